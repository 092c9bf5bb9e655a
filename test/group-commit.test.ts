import pino from 'pino'
import { describe, expect, onTestFinished, test, vi } from 'vitest'
import { MemoryStorage } from '../dist/index.js'
import { type MySQLStorage } from '../dist/mysql.js'
import { Recorder, kTracerDefaults } from '../src/telemetry/recorder.js'
import type { RecordBatch, RefusedRecord } from '../dist/storage.js'
import { execution, executionId, source, task, useTestDatabase } from './helpers/mysql.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

const db = useTestDatabase()

type Storage = MemoryStorage | MySQLStorage

/** The storage with its writeRecords calls (one per transaction) kept, and a gate that can hold them. */
function watched<S extends Storage> (storage: S): { storage: S, batches: RecordBatch[], hold: () => () => void } {
  const batches: RecordBatch[] = []
  const write = storage.writeRecords.bind(storage)
  let gate: Promise<void> | null = null
  storage.writeRecords = async (batch: RecordBatch): Promise<RefusedRecord[]> => {
    batches.push(batch)
    if (gate !== null) await gate
    return write(batch)
  }
  const hold = (): (() => void) => {
    let release!: () => void
    gate = new Promise(resolve => { release = resolve })
    return () => { gate = null; release() }
  }
  return { storage, batches, hold }
}

// The first commit of a test waits for the storage's init (connect, migrations), which on a
// loaded machine outlasts vi.waitFor's default second.
const kFirstCommit = { timeout: 10_000 }

function recorderOn (storage: Storage): Recorder {
  // No flush timer within a test: every commit below is cut by whenCommitted or flush.
  const recorder = new Recorder(storage, { ...kTracerDefaults, flushInterval: 600_000, writeRetryDelay: 5, maxWriteRetryDelay: 20 }, pino({ level: 'silent' }))
  onTestFinished(() => recorder.close(500))
  return recorder
}

const storages: Array<[string, (prefix: string) => Storage]> = [
  ['MemoryStorage', () => new MemoryStorage()],
  ['MySQLStorage', prefix => db.storage({ tablePrefix: prefix })]
]

describe.each(storages)('Recorder.whenCommitted on %s', (_name, make) => {
  test('the records recorded before the call are in storage when its callback runs', async () => {
    const { storage } = watched(make('seen_'))
    const recorder = recorderOn(storage)
    recorder.recordExecution(execution(1))
    for (const id of ['a', 'b', 'c']) recorder.recordTask(source(task(1, id)), 0)
    const outcome = await new Promise<[string, boolean]>(resolve => recorder.whenCommitted((arg, ok) => resolve([arg, ok]), 'x'))
    expect(outcome).toEqual(['x', true])
    expect((await storage.getExecution(executionId(1)))?.status).toBe('success')
    expect((await storage.getTaskResults(executionId(1))).map(t => t.taskId).sort()).toEqual(['a', 'b', 'c'])
  })

  test('tasks recorded in one turn of the event loop go in one transaction, and each callback is called once, in order', async () => {
    const { storage, batches } = watched(make('tick_'))
    const recorder = recorderOn(storage)
    const called: number[] = []
    recorder.recordExecution(execution(2, { totalTasks: 32 }))
    for (let i = 0; i < 32; i++) {
      recorder.recordTask(source(task(2, `t${i}`)), 0)
      recorder.whenCommitted((n, ok) => { if (ok) called.push(n) }, i)
    }
    await vi.waitFor(() => { expect(called).toHaveLength(32) }, kFirstCommit)
    expect(called).toEqual(Array.from({ length: 32 }, (_, i) => i))
    expect(batches.map(b => b.tasks.length)).toEqual([32])
  })

  test('what is recorded while a commit is in flight goes in the next commit, cut as soon as the first ends', async () => {
    const { storage, batches, hold } = watched(make('next_'))
    const recorder = recorderOn(storage)
    const called: string[] = []
    const release = hold()
    recorder.recordTask(source(task(3, 'first')), 0)
    recorder.whenCommitted(arg => called.push(arg), 'first')
    await vi.waitFor(() => { expect(batches).toHaveLength(1) }, kFirstCommit)
    recorder.recordTask(source(task(3, 'second')), 0)
    recorder.recordTask(source(task(3, 'third')), 0)
    recorder.whenCommitted(arg => called.push(arg), 'second')
    recorder.whenCommitted(arg => called.push(arg), 'third')
    expect(called).toEqual([])
    release()
    await vi.waitFor(() => { expect(called).toEqual(['first', 'second', 'third']) })
    expect(batches.map(b => Array.from(b.tasks, t => t.taskId))).toEqual([['first'], ['second', 'third']])
  })

  test('with nothing to commit the callback still runs, but never synchronously', async () => {
    const recorder = recorderOn(make('idle_'))
    let called = false
    recorder.whenCommitted(() => { called = true }, null)
    expect(called).toBe(false)
    await Promise.resolve()
    expect(called).toBe(true)
  })
})

describe('Recorder.whenCommitted through an outage', () => {
  async function throughProxy (prefix: string): Promise<{ proxy: TcpProxy, recorder: Recorder, storage: MySQLStorage }> {
    const proxy = await TcpProxy.start(db.host, db.port)
    onTestFinished(() => proxy.close())
    const storage = db.storage({ host: '127.0.0.1', port: proxy.port, tablePrefix: prefix, connectTimeout: 1000 })
    await storage.init()
    return { proxy, recorder: recorderOn(storage), storage }
  }

  test('callbacks wait while the server is away, the commit is retried, and they run once it is back', async () => {
    const { proxy, recorder } = await throughProxy('outage_')
    proxy.cut()
    const called: boolean[] = []
    recorder.recordExecution(execution(4))
    recorder.recordTask(source(task(4, 'a')), 0)
    recorder.whenCommitted((_arg, ok) => called.push(ok), null)
    await vi.waitFor(() => { expect(recorder.stats().writeErrors).toBeGreaterThan(1) })
    expect(called).toEqual([])
    proxy.restore()
    await vi.waitFor(() => { expect(called).toEqual([true]) }, { timeout: 5000 })
    const reader = db.storage({ tablePrefix: 'outage_' })
    expect((await reader.getTaskResults(executionId(4))).map(t => t.taskId)).toEqual(['a'])
  })

  test('when close() gives up on the server, the callbacks are called with committed = false', async () => {
    const { proxy, recorder } = await throughProxy('gone_')
    proxy.cut()
    const called: boolean[] = []
    recorder.recordExecution(execution(5))
    recorder.whenCommitted((_arg, ok) => called.push(ok), null)
    await recorder.close(100)
    expect(called).toEqual([false])
    expect(recorder.stats().lost).toBe(1)
  })
})
