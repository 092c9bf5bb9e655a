import { describe, expect, onTestFinished, test, vi } from 'vitest'
// Recorder is internal, so this file tests it from src/, and takes the error classes and the
// storage from src/ too: one copy of each class, so instanceof means what it says.
import { ErrorCodes, StorageError } from '../src/errors.js'
import { MemoryStorage } from '../src/storage/memory.js'
import type { SpanRecord } from '../src/types.js'
import { Recorder, kTracerDefaults, type TracerOptions } from '../src/telemetry/recorder.js'
import type { RecordBatch, RefusedRecord } from '../src/storage/storage.js'
import { execution, executionId, span } from './helpers/mysql.js'
import { memoryLogger } from './helpers/capture.js'

/**
 * MemoryStorage with a switch: while `failing` is set, writes reject with it; while
 * `hang` is set, they never settle; `holdNextRecordsWrite` holds the next write of
 * records until it settles. What it accepts is what it stores.
 */
class SwitchableStorage extends MemoryStorage {
  failing: Error | null = null
  hang = false
  calls = 0
  /** While set, the next write of records waits for it: a write slow to return. */
  holdNextRecordsWrite: Promise<void> | undefined

  async #gate (): Promise<void> {
    this.calls++
    if (this.hang) await new Promise(() => {})
    if (this.failing !== null) throw this.failing
  }

  override async writeRecords (batch: RecordBatch): Promise<RefusedRecord[]> {
    await this.#gate()
    const held = this.holdNextRecordsWrite
    this.holdNextRecordsWrite = undefined
    if (held !== undefined) await held
    return super.writeRecords(batch)
  }

  override async writeSpans (spans: readonly SpanRecord[]): Promise<void> {
    await this.#gate()
    return super.writeSpans(spans)
  }
}

function recorder (storage: SwitchableStorage, options: TracerOptions = {}): { recorder: Recorder, lines: Array<Record<string, unknown>> } {
  const { logger, lines } = memoryLogger('warn')
  const r = new Recorder(storage, { ...kTracerDefaults, writeRetryDelay: 1, maxWriteRetryDelay: 5, flushInterval: 10, ...options }, logger)
  onTestFinished(() => r.close(100))
  return { recorder: r, lines }
}

describe('Recorder', () => {
  test('recording a span is a push: nothing reaches storage before a full batch or the timer', async () => {
    const storage = new SwitchableStorage()
    const { recorder: r } = recorder(storage, { batchSize: 4, flushInterval: 60_000 })
    for (let i = 0; i < 3; i++) r.recordSpan(span(1, i))
    expect([storage.calls, r.stats().pending]).toEqual([0, 3])
    r.recordSpan(span(1, 3))
    await expect.poll(() => storage.calls, { timeout: 5000 }).toBe(1)
    await r.flush()
    expect((await storage.getSpans(executionId(1))).length).toBe(4)
  })

  test('past maxQueueSize spans are dropped and counted, and the ones kept are written once storage recovers', async () => {
    const storage = new SwitchableStorage()
    storage.failing = new StorageError(ErrorCodes.STORAGE_UNAVAILABLE, 'down')
    const { recorder: r, lines } = recorder(storage, { batchSize: 5, maxQueueSize: 20 })
    r.recordExecution(execution(1))
    for (let i = 0; i < 50; i++) r.recordSpan(span(1, i))
    expect(r.stats()).toMatchObject({ spansRecorded: 20, spansDropped: 30, pending: 20 })
    await vi.waitFor(() => { expect(lines.some(l => /tracer buffer full/.test(String(l.msg)))).toBe(true) })
    storage.failing = null
    await r.flush()
    expect((await storage.getSpans(executionId(1))).map(s => s.spanId)).toEqual(Array.from({ length: 20 }, (_, i) => span(1, i).spanId))
    expect(r.stats()).toMatchObject({ spansWritten: 20, spansDropped: 30, pending: 0, lost: 0 })
    expect(r.stats().writeErrors).toBeGreaterThan(0)
  })

  test('a record storage refuses for good is set aside, counted rejected and logged with its id; the rest of its batch is written', async () => {
    const storage = new SwitchableStorage()
    const { recorder: r, lines } = recorder(storage)
    storage.writeRecords = async function (batch) {
      await MemoryStorage.prototype.writeRecords.call(this, { ...batch, executions: batch.executions.filter((_, i) => i !== 1) })
      return [{ kind: 'executions', index: 1, code: ErrorCodes.RECORD_TOO_LARGE, reason: 'row is 20000000 bytes' }]
    }
    for (const n of [1, 2, 3]) r.recordExecution(execution(n))
    await r.flush()
    expect(r.stats()).toMatchObject({ recordsWritten: 2, rejected: 1, lost: 0, writeErrors: 0, commits: 1 })
    expect(lines).toContainEqual(expect.objectContaining({ kind: 'executions', id: executionId(2), code: ErrorCodes.RECORD_TOO_LARGE, reason: 'row is 20000000 bytes' }))
    expect((await storage.listExecutions()).map(e => e.executionId)).toEqual([executionId(3), executionId(1)])
  })

  test('a storage without writeRecords is written kind by kind, and RECORD_TOO_LARGE without a list of records is narrowed down to the one at fault', async () => {
    const storage = new SwitchableStorage()
    Object.assign(storage, { writeRecords: undefined })
    const { recorder: r } = recorder(storage)
    storage.writeExecutions = async function (records) {
      if (records.some(rec => rec.executionId === executionId(2))) throw new StorageError(ErrorCodes.RECORD_TOO_LARGE, 'too large')
      return MemoryStorage.prototype.writeExecutions.call(this, records)
    }
    for (const n of [1, 2, 3]) r.recordExecution(execution(n))
    await r.flush()
    expect(r.stats()).toMatchObject({ recordsWritten: 2, rejected: 1, lost: 0 })
    expect((await storage.listExecutions()).map(e => e.executionId)).toEqual([executionId(3), executionId(1)])
  })

  test('with concurrency above 1, the writes of one execution still land in the order they were recorded', async () => {
    const storage = new SwitchableStorage()
    let release!: () => void
    storage.holdNextRecordsWrite = new Promise(resolve => { release = resolve })
    const { recorder: r } = recorder(storage, { concurrency: 4 })
    r.recordExecution(execution(1, { status: 'running' }))
    const first = r.flush()
    r.recordExecution(execution(1, { status: 'failed' }))
    const second = r.flush()
    // A recorder that did not order writes of one execution would have sent the second
    // by now, while the first is held; the first is let go only after that point.
    setImmediate(release)
    await Promise.all([first, second])
    expect((await storage.getExecution(executionId(1)))?.status).toBe('failed')
  })

  test('close() that times out reports the unwritten execution ids, counts them lost and does not wait for a write that never returns', async () => {
    const storage = new SwitchableStorage()
    storage.hang = true
    const { recorder: r, lines } = recorder(storage)
    r.recordExecution(execution(1))
    r.recordSpan(span(1, 0))
    await Promise.race([r.close(50), new Promise((_resolve, reject) => setTimeout(reject, 5000, new Error('close() hung')))])
    r.recordExecution(execution(2))
    await r.flush()
    expect(r.stats()).toMatchObject({ lost: 3, pending: 0, backlogBytes: 0 })
    const ids = lines.filter(l => l.kind === 'records').flatMap(l => l.executions as string[])
    expect(ids).toEqual([executionId(1), executionId(2)])
  })
})
