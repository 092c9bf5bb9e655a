import pino from 'pino'
import { describe, expect, onTestFinished, test, vi } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { createWorkflow, ErrorCodes, MemoryStorage, StorageBacklogError, type ExecutionResult } from '../dist/index.js'
import { Recorder, kTracerDefaults } from '../src/telemetry/recorder.js'
import { sharedHandler, startEngine } from './helpers/engine.js'
import { execution, executionId, useTestDatabase } from './helpers/mysql.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

const db = useTestDatabase()

async function cutProxy (): Promise<TcpProxy> {
  const proxy = await TcpProxy.start(db.host, db.port)
  onTestFinished(() => proxy.close())
  return proxy
}

describe('records buffered during an outage are bounded by refusing new work, never by dropping', () => {
  test('the backlog fills with the bytes of inputs, does not grow when an execution is recorded again, and empties once the server is back', async () => {
    const proxy = await cutProxy()
    const storage = db.storage({ host: '127.0.0.1', port: proxy.port, tablePrefix: 'rec_', connectTimeout: 1000 })
    await storage.init()
    proxy.cut()
    const recorder = new Recorder(storage, { ...kTracerDefaults, flushInterval: 10, writeRetryDelay: 5, maxWriteRetryDelay: 20, maxBufferedBytes: 64 * 1024 }, pino({ level: 'silent' }))
    onTestFinished(() => recorder.close(500))
    let n = 0
    while (!recorder.backlogFull() && n < 100) recorder.recordExecution(execution(++n, { status: 'running', input: new Uint8Array(16 * 1024) }))
    expect(n).toBe(4)
    const full = recorder.stats().backlogBytes
    for (let i = 1; i <= n; i++) recorder.recordExecution(execution(i, { input: new Uint8Array(16 * 1024) }))
    await vi.waitFor(() => { expect(recorder.stats().writeErrors).toBeGreaterThan(0) })
    expect(recorder.stats().backlogBytes).toBeLessThanOrEqual(full)
    proxy.restore()
    await recorder.flush()
    expect(recorder.stats()).toMatchObject({ backlogBytes: 0, lost: 0, rejected: 0 })
    expect(recorder.backlogFull()).toBe(false)
    const rows = await db.query<RowDataPacket[]>('SELECT id, status FROM rec_executions ORDER BY id')
    expect(rows.map(r => [r.id, r.status])).toEqual(Array.from({ length: n }, (_, i) => [executionId(i + 1), 'success']))
  })

  test('past maxBufferedBytes execute() rejects with STORAGE_BACKLOG; every execution accepted before is stored once the server is back', async () => {
    const proxy = await cutProxy()
    const engine = startEngine({
      storage: db.storage({ host: '127.0.0.1', port: proxy.port, tablePrefix: 'eng_', connectTimeout: 1000 }),
      tracer: { flushInterval: 10, writeRetryDelay: 5, maxWriteRetryDelay: 20, maxBufferedBytes: 64 * 1024 },
      logger: pino({ level: 'silent' })
    })
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build())
    // Storage answers once, then goes away: an outage after a first answer is buffered
    // (one before it is refused at once, with STORAGE_UNAVAILABLE).
    const accepted: ExecutionResult[] = [await engine.execute('w')]
    proxy.cut()
    let refusal: unknown
    for (let i = 0; i < 200 && refusal === undefined; i++) {
      try {
        accepted.push(await engine.execute('w', new Uint8Array(8 * 1024)))
      } catch (err) {
        refusal = err
      }
    }
    expect(refusal).toBeInstanceOf(StorageBacklogError)
    expect(refusal).toMatchObject({ code: ErrorCodes.STORAGE_BACKLOG, limit: 64 * 1024 })
    expect(accepted.length).toBeGreaterThan(0)
    proxy.restore()
    await engine.flush()
    const rows = await db.query<RowDataPacket[]>('SELECT id FROM eng_executions WHERE status = \'success\'')
    expect(rows.map(r => r.id).sort()).toEqual(accepted.map(r => r.executionId).sort())
    expect(engine.stats().tracer).toMatchObject({ lost: 0, backlogBytes: 0 })
    expect((await engine.execute('w', 'small')).status).toBe('success')
  })

  test('checkValueSize refuses, synchronously and before anything runs, an input larger than storage can keep', () => {
    const limited = new Recorder(db.storage({ tablePrefix: 'size_', maxValueBytes: 1024 }), kTracerDefaults, pino({ level: 'silent' }))
    onTestFinished(() => limited.close(100))
    expect(() => limited.checkValueSize(1024, 'input of workflow "w"')).not.toThrow()
    let err: unknown
    try { limited.checkValueSize(1025, 'input of workflow "w"') } catch (e) { err = e }
    // the recorder comes from src/, its error classes too: compared by name and code
    expect(err).toMatchObject({ name: 'StorageError', code: ErrorCodes.RECORD_TOO_LARGE, message: 'input of workflow "w" is 1025 bytes serialised; mysql storage keeps values of at most 1024 bytes (maxValueBytes)' })
    const memory = new Recorder(new MemoryStorage(), kTracerDefaults, pino({ level: 'silent' }))
    onTestFinished(() => memory.close(100))
    expect(() => memory.checkValueSize(2 ** 40, 'input')).not.toThrow()
  })

  test('execute() rejects an input larger than storage can keep, and nothing runs or is recorded', async () => {
    const engine = startEngine({ storage: db.storage({ tablePrefix: 'big_', maxValueBytes: 1024 }) })
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build())
    await expect(engine.execute('w', 'x'.repeat(2048))).rejects.toMatchObject({ name: 'StorageError', code: ErrorCodes.RECORD_TOO_LARGE })
    expect(engine.stats().executionsStarted).toBe(0)
    expect((await engine.execute('w', 'small')).status).toBe('success')
    await engine.flush()
    expect((await engine.listExecutions()).map(r => r.status)).toEqual(['success'])
  })
})
