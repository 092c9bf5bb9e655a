import { describe, expect, onTestFinished, test, vi } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { createWorkflow, type Engine, type ExecutionResult } from '../dist/index.js'
import type { MySQLStorage } from '../dist/mysql.js'
import type { RecordBatch, RefusedRecord } from '../dist/storage.js'
import { sharedHandler, startEngine } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
import { TcpProxy } from './helpers/tcp-proxy.js'
import { memoryLogger } from './helpers/capture.js'

const db = useTestDatabase()
// The storage's internal hook that ends its writer thread as a crash would.
const kTerminateWriter = Symbol.for('graph-task.mysql.terminateWriter')

interface Setup { engine: Engine, storage: MySQLStorage, lines: Array<Record<string, unknown>>, inFlight: () => number }

/** An engine on MySQL through `proxy`, counting the record transactions handed to the writer and not yet answered. */
async function setup (proxy: TcpProxy, prefix: string): Promise<Setup> {
  const { logger, lines } = memoryLogger('error')
  const storage = db.storage({ host: '127.0.0.1', port: proxy.port, tablePrefix: prefix, connectTimeout: 2000 })
  let open = 0
  const write = storage.writeRecords.bind(storage)
  storage.writeRecords = async (batch: RecordBatch): Promise<RefusedRecord[]> => {
    open++
    try { return await write(batch) } finally { open-- }
  }
  const engine = startEngine({ storage, logger, tracer: { batchSize: 8, flushInterval: 20, writeRetryDelay: 10, maxWriteRetryDelay: 40 } })
  await engine.publishWorkflow(createWorkflow('pair')
    .addTask('a', { handler: sharedHandler('noop') })
    .addTask('b', { handler: sharedHandler('noop'), dependsOn: ['a'] })
    .build())
  return { engine, storage, lines, inFlight: () => open }
}

async function proxied (): Promise<TcpProxy> {
  const proxy = await TcpProxy.start(db.host, db.port)
  onTestFinished(() => proxy.close())
  return proxy
}

async function runSome (engine: Engine, n: number): Promise<ExecutionResult[]> {
  return Promise.all(Array.from({ length: n }, () => engine.execute('pair')))
}

async function rows (prefix: string, table: string, ids: string[]): Promise<RowDataPacket[]> {
  return db.query<RowDataPacket[]>(`SELECT * FROM ${prefix}${table} WHERE ${table === 'executions' ? 'id' : 'execution_id'} IN (?)`, [ids])
}

describe('the MySQL writer thread', () => {
  // Guarantee "a writer that dies loses nothing": leaving out the resend of the
  // unanswered requests in WriterLink.#start fails this test (checked).
  test('killed while a transaction is in flight, it is restarted and every accepted record, span and log line is stored exactly once', async () => {
    const proxy = await proxied()
    const { engine, storage, inFlight } = await setup(proxy, 'kill_')
    const before = await runSome(engine, 4)
    await engine.flush()
    // Statements still reach the server, answers do not: the writer waits inside a transaction.
    proxy.mute()
    const during = await runSome(engine, 4)
    await vi.waitFor(() => { expect(inFlight()).toBeGreaterThan(0) }, { timeout: 10_000, interval: 5 })
    await (storage as unknown as Record<symbol, () => Promise<void>>)[kTerminateWriter]()
    proxy.restore()
    await engine.flush()
    await engine.close()

    const stats = engine.stats().tracer
    expect(stats).toMatchObject({ writerRestarts: 1, lost: 0, rejected: 0, spansDropped: 0, logsDropped: 0 })
    const ids = [...before, ...during].map(r => r.executionId)
    expect((await rows('kill_', 'executions', ids)).map(r => [r.id, r.status]).sort()).toEqual(ids.map(id => [id, 'success']).sort())
    expect(await rows('kill_', 'task_results', ids)).toHaveLength(ids.length * 2)
    // a root span and two task spans per execution; log lines keyed by the sequence given on the main thread
    expect(await rows('kill_', 'spans', ids)).toHaveLength(ids.length * 3)
    expect((await rows('kill_', 'logs', ids)).length).toBe(stats.logsRecorded)
    expect(stats.spansWritten).toBe(stats.spansRecorded)
  })

  test('each restart is counted in engine.stats() and logged with why the thread died', async () => {
    const proxy = await proxied()
    const { engine, storage, lines } = await setup(proxy, 'count_')
    const kill = (storage as unknown as Record<symbol, () => Promise<void>>)[kTerminateWriter].bind(storage)
    await runSome(engine, 2)
    await engine.flush()
    expect(engine.stats().tracer.writerRestarts).toBe(0)
    await kill()
    await vi.waitFor(() => { expect(engine.stats().tracer.writerRestarts).toBe(1) })
    // a write after the death starts a new thread, which can die too
    const later = await runSome(engine, 2)
    await engine.flush()
    await kill()
    await vi.waitFor(() => { expect(engine.stats().tracer.writerRestarts).toBe(2) })
    await vi.waitFor(() => {
      expect(lines.filter(l => /writer thread died/.test(String(l.msg))).map(l => l.writerRestarts)).toContain(2)
    })
    expect(lines.find(l => /writer thread died/.test(String(l.msg)))?.reason).toMatch(/exit code/)
    expect(await rows('count_', 'executions', later.map(r => r.executionId))).toHaveLength(2)
  })
})
