import { describe, expect, onTestFinished, test } from 'vitest'
import mysql from 'mysql2/promise'
import { createWorkflow, ErrorCodes } from '../dist/index.js'
import { type MySQLStorage } from '../dist/mysql.js'
import { sharedHandler, startEngine } from './helpers/engine.js'
import { execution, executionId, runningStatements, serverSettings, useTestDatabase } from './helpers/mysql.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

const db = useTestDatabase()

// Far longer than any test: a call that waits for one of these hangs the test.
const kNever = { queryTimeout: 600_000, connectTimeout: 600_000 }

async function muted (prefix: string, readTimeout = 300): Promise<{ proxy: TcpProxy, storage: MySQLStorage }> {
  const proxy = await TcpProxy.start(db.host, db.port)
  onTestFinished(() => proxy.close())
  const storage = db.storage({ host: '127.0.0.1', port: proxy.port, tablePrefix: prefix, readTimeout, ...kNever })
  await storage.writeExecutions([execution(1)])
  await storage.getExecution(executionId(1))
  proxy.mute()
  return { proxy, storage }
}

async function code (call: Promise<unknown>): Promise<string | undefined> {
  return call.then(() => 'resolved', (err: { code?: string }) => err.code)
}

describe('storage calls have deadlines of their own', () => {
  test('every read through a server that does not answer fails with STORAGE_UNAVAILABLE within readTimeout', async () => {
    const { storage } = await muted('reads_')
    const reads = [
      storage.getExecution(executionId(1)), storage.listExecutions(), storage.getTaskResults(executionId(1)),
      storage.getLogs(executionId(1)), storage.getSpans(executionId(1)), storage.getRetryRecord(executionId(1)),
      storage.listRetryRecords(), storage.retryStatistics(), storage.claimRetry(executionId(1), 'me', 1), storage.abandonRetry(executionId(1), 'x', 1)
    ]
    expect(await Promise.all(reads.map(code))).toEqual(reads.map(() => ErrorCodes.STORAGE_UNAVAILABLE))
  })

  test('the first read of a storage that never got to connect fails within readTimeout too', async () => {
    const proxy = await TcpProxy.start(db.host, db.port)
    onTestFinished(() => proxy.close())
    proxy.stall()
    const storage = db.storage({ host: '127.0.0.1', port: proxy.port, tablePrefix: 'cold_', readTimeout: 300, ...kNever })
    // the read waits for init(), which waits for a handshake that never comes
    expect(await code(storage.getExecution(executionId(1)))).toBe(ErrorCodes.STORAGE_UNAVAILABLE)
  })

  test('a read is answered while every connection of the writer waits on a lock', async () => {
    const storage = db.storage({ tablePrefix: 'locked_', connectionLimit: 2 })
    await storage.writeExecutions([execution(1), execution(2)])
    const admin = await mysql.createConnection({ ...serverSettings(), database: db.name })
    onTestFinished(async () => { await admin.query('ROLLBACK'); await admin.end() })
    await admin.query('START TRANSACTION')
    await admin.query('SELECT * FROM locked_executions WHERE id = ? FOR UPDATE', [executionId(1)])
    // both writer connections go and wait for the row lock (innodb_lock_wait_timeout: 50 s here)
    let settled = 0
    const writes = [execution(1, { status: 'failed' }), execution(1, { status: 'cancelled' })]
      .map(async record => { await storage.writeExecutions([record]); settled++ })
    // a plain SELECT reads the last committed version without waiting for the lock
    expect((await storage.getExecution(executionId(2)))?.status).toBe('success')
    expect((await storage.listExecutions()).map(e => e.executionId)).toEqual([executionId(2), executionId(1)])
    // processlist, not innodb_trx: InnoDB serves that table from a cache that any other
    // client polling it on the shared server keeps from being refreshed
    await expect.poll(() => runningStatements(db, '%locked_executions%'), { timeout: 10_000, interval: 50 }).toBe(2)
    expect(settled).toBe(0)
    await admin.query('ROLLBACK')
    await Promise.all(writes)
  })

  test('close() returns though the server answers nothing, with writes and a connection attempt in flight', async () => {
    const { storage } = await muted('close_')
    // each outcome is taken at once: a call may fail while close() is still under way
    const pending = [storage.writeExecutions([execution(2)]), storage.writeExecutions([execution(3)]), storage.getExecution(executionId(1))].map(code)
    await storage.close()
    expect(await Promise.all(pending)).not.toContain('resolved')
  })

  test('removeInstance() gives up within readTimeout when the server answers nothing', async () => {
    const { storage } = await muted('remove_')
    expect(await code(storage.removeInstance('me'))).toBe(ErrorCodes.STORAGE_UNAVAILABLE)
  })

  test('engine.close() returns though the server stopped answering: its flush, the instance removal and the pool close are each bounded', async () => {
    const proxy = await TcpProxy.start(db.host, db.port)
    onTestFinished(() => proxy.close())
    const engine = startEngine({
      storage: db.storage({ host: '127.0.0.1', port: proxy.port, tablePrefix: 'engine_', readTimeout: 300, ...kNever }),
      closeTimeout: 300,
      heartbeatInterval: 50,
      heartbeatTimeout: 1000
    })
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build())
    await engine.execute('w')
    await engine.flush()
    proxy.mute()
    await engine.execute('w')
    await engine.close()
    expect(engine.stats().tracer.lost).toBeGreaterThan(0)
  })
})
