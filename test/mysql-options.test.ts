import { describe, expect, test } from 'vitest'
import { ErrorCodes, InvalidOptionsError, StorageError } from '../dist/index.js'
import { MySQLStorage } from '../dist/mysql.js'
import { thrownBy } from './helpers/capture.js'
import { closedPort } from './helpers/tcp-proxy.js'

function invalid (make: () => unknown): InvalidOptionsError {
  return thrownBy(make, InvalidOptionsError)
}

describe('MySQLStorage options', () => {
  test('a URI that is not a URL is refused, naming the expected form', () => {
    expect(invalid(() => new MySQLStorage('mysql//root@localhost/db')).message)
      .toMatch(/uri "mysql\/\/root@localhost\/db" is not a valid URL; expected mysql:\/\/user:password@host:port\/database/)
  })

  test('a URI of another scheme, without a database or with an unknown parameter is refused, saying which', () => {
    expect(invalid(() => new MySQLStorage('postgres://u@h/db')).message).toMatch(/must start with mysql:\/\/ \(got postgres:\/\/\)/)
    expect(invalid(() => new MySQLStorage('mysql://root@127.0.0.1:3306')).message).toMatch(/database is required/)
    expect(invalid(() => new MySQLStorage('mysql://root@127.0.0.1:99999/db')).message).toMatch(/not a valid URL/)
    expect(invalid(() => new MySQLStorage('mysql://h/db?ssl=1')).message).toMatch(/unknown parameter "ssl"/)
  })

  test('the password of a malformed URI is never echoed', () => {
    const err = invalid(() => new MySQLStorage('mysql://root:s3cret@h/db?nope=1'))
    expect(err.message).not.toContain('s3cret')
    expect(err.message).toContain('root:***@h')
  })

  test('a table prefix that is not an identifier is refused, naming tablePrefix', () => {
    for (const prefix of ['', '1x', 'gt-', 'a`b', 'x'.repeat(34), 'gt_; DROP TABLE x']) {
      expect(invalid(() => new MySQLStorage({ database: 'db', tablePrefix: prefix })).message).toMatch(/^MySQLStorage: tablePrefix must be an identifier/)
    }
    expect(new MySQLStorage({ database: 'db', tablePrefix: '_A9' }).tablePrefix).toBe('_A9')
  })

  test('uri together with host or database is a conflict, and an unknown option is named', () => {
    expect(invalid(() => new MySQLStorage({ uri: 'mysql://h/db', host: 'x' })).message).toMatch(/either uri or host, not both/)
    expect(invalid(() => new MySQLStorage({ database: 'db', tablePrefx: 'a' } as never)).message).toMatch(/unknown option 'tablePrefx' in new MySQLStorage\(\); did you mean 'tablePrefix'\?/)
  })

  test('a URI gives host, port, user, percent-decoded password, database and table prefix', () => {
    const storage = new MySQLStorage('mysql://app:p%40ss@db.example:3307/history?tablePrefix=svc_')
    expect([storage.target, storage.database, storage.tablePrefix]).toEqual(['db.example:3307', 'history', 'svc_'])
  })

  test('an unreachable server fails init() with STORAGE_UNAVAILABLE, naming host:port and how to start one', async () => {
    const port = await closedPort()
    const storage = new MySQLStorage({ host: '127.0.0.1', port, database: 'test' })
    const err = await storage.init().catch((e: unknown) => e)
    await storage.close()
    expect(err).toBeInstanceOf(StorageError)
    expect((err as StorageError).code).toBe(ErrorCodes.STORAGE_UNAVAILABLE)
    expect((err as Error).message).toContain(`MySQL at 127.0.0.1:${port} is unreachable (ECONNREFUSED)`)
    expect((err as Error).message).toContain('start a MySQL or MariaDB server there')
  })

  test('reads and writes after close() reject with a StorageError', async () => {
    const storage = new MySQLStorage({ database: 'test' })
    await storage.close()
    await expect(storage.getExecution('x')).rejects.toThrow(/is closed/)
    await expect(storage.writeSpans([{} as never])).rejects.toBeInstanceOf(StorageError)
  })
})
