import { describe, expect, onTestFinished, test } from 'vitest'
import { createWorkflow, Engine, StorageError } from '../dist/index.js'
import { MySQLStorage } from '../dist/mysql.js'
import { memoryLogger, rejectionOf } from './helpers/capture.js'
import { sharedHandler } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
import { closedPort, TcpProxy } from './helpers/tcp-proxy.js'

const db = useTestDatabase()
const slow = { timeout: 60_000 }
const workflow = createWorkflow('one').addTask('a', { handler: sharedHandler('noop') }).build()

function engineOn (storage: MySQLStorage, logger = memoryLogger('warn').logger): Engine {
  const engine = new Engine({ threads: 1, storage, logger, tracer: { flushInterval: 20, writeRetryDelay: 10, maxWriteRetryDelay: 50 } })
  onTestFinished(() => engine.close({ cancel: true }))
  return engine
}

describe('storage that does not answer', () => {
  test('an engine whose storage never answered refuses executions with one line: host, port and cause', slow, async () => {
    const port = await closedPort()
    const { logger, lines } = memoryLogger('warn')
    const engine = engineOn(new MySQLStorage({ host: '127.0.0.1', port, database: 'nowhere' }), logger)
    await engine.publishWorkflow(workflow)
    for (let i = 0; i < 3; i++) {
      const err = await rejectionOf(engine.execute('one'), StorageError)
      expect(err.code).toBe('STORAGE_UNAVAILABLE')
      expect(err.message).toContain(`127.0.0.1:${port}`)
      expect(err.message).toContain('ECONNREFUSED')
      expect(err.message).not.toContain('\n')
    }
    // Three failed connections, one line saying so: no warning (nor stack) per retry.
    const down = lines.filter(l => String(l.msg).includes(`mysql at 127.0.0.1:${port} unavailable`))
    expect(down).toHaveLength(1)
    expect(lines.some(l => l.err !== undefined)).toBe(false)
    await engine.close()
    expect(engine.stats().tracer.lost).toBe(0)
  })

  test('after a first answer, an outage is buffered through and written once storage answers again', slow, async () => {
    const proxy = await TcpProxy.start(db.host, db.port)
    onTestFinished(() => proxy.close())
    const { logger, lines } = memoryLogger('warn')
    const engine = engineOn(db.storage({ port: proxy.port, host: '127.0.0.1' }), logger)
    await engine.publishWorkflow(workflow)
    expect((await engine.execute('one')).status).toBe('success')
    proxy.cut()
    const during = await engine.execute('one')
    expect(during.status).toBe('success')
    await expect.poll(() => engine.stats().tracer.writeErrors, { timeout: 20_000 }).toBeGreaterThan(2)
    proxy.restore()
    await engine.flush()
    expect(await db.query('SELECT status FROM gt_executions WHERE id = ?', [during.executionId])).toEqual([{ status: 'success' }])
    const states = lines.map(l => String(l.msg)).filter(m => / unavailable: | answers again/.test(m))
    expect(states.map(m => m.includes('answers again') ? 'up' : 'down')).toEqual(['down', 'up'])
  })
})
