import { describe, expect, expectTypeOf, test } from 'vitest'
import { createWorkflow, ErrorCodes, MemoryStorage, RetryError, type ExecutionQuery, type ExecutionStorage, type FailedExecution, type InstanceRecord, type LogEntry, type LogQuery, type ManualRetryOptions, type PublishOptions, type ResolvedRetryPolicy, type RetryPolicy, type RetryQuery, type RetryRecord, type RetryRecordStatus, type RetryStatistics, type SpanRecord, type TaskRecord, type ExecutionEventBase, type TaskEventBase } from '../dist/index.js'
import { type RecordBatch, type RefusedRecord, type RetryStorage, type RowList, type StaleReport, type TaskSource, type TaskRows, type SpanRows, type RecordKind, type StoredExecution } from '../dist/storage.js'
import type { HandlerContext, HandlerOf, HandlerTypes, TaskContext, TaskHandler } from '../dist/handler.js'
import { sharedHandler, startEngine } from './helpers/engine.js'

// A consumer's own storage: it can name every type of the two interfaces it implements.
class CountingStorage implements ExecutionStorage, RetryStorage {
  readonly kind = 'counting'
  readonly inner = new MemoryStorage()
  writes = 0
  init (): Promise<void> { return this.inner.init() }
  writeRecords (batch: RecordBatch): Promise<RefusedRecord[]> { this.writes++; return this.inner.writeRecords(batch) }
  writeExecutions (records: readonly StoredExecution[]): Promise<void> { return this.inner.writeExecutions(records) }
  writeTaskResults (records: RowList<TaskRecord>): Promise<void> { return this.inner.writeTaskResults(records) }
  writeLogs (entries: readonly LogEntry[]): Promise<void> { return this.inner.writeLogs(entries) }
  writeSpans (spans: RowList<SpanRecord>): Promise<void> { return this.inner.writeSpans(spans) }
  getExecution (id: string): Promise<StoredExecution | undefined> { return this.inner.getExecution(id) }
  listExecutions (query?: ExecutionQuery): Promise<StoredExecution[]> { return this.inner.listExecutions(query) }
  getTaskResults (executionId: string): Promise<TaskRecord[]> { return this.inner.getTaskResults(executionId) }
  getLogs (executionId: string, query?: LogQuery): Promise<LogEntry[]> { return this.inner.getLogs(executionId, query) }
  getSpans (executionId: string): Promise<SpanRecord[]> { return this.inner.getSpans(executionId) }
  close (): Promise<void> { return this.inner.close() }
  writeRetryRecords (records: readonly RetryRecord[]): Promise<void> { return this.inner.writeRetryRecords(records) }
  getRetryRecord (executionId: string): Promise<RetryRecord | undefined> { return this.inner.getRetryRecord(executionId) }
  listRetryRecords (query?: RetryQuery): Promise<RetryRecord[]> { return this.inner.listRetryRecords(query) }
  claimRetry (executionId: string, instanceId: string, at: number): Promise<boolean> { return this.inner.claimRetry(executionId, instanceId, at) }
  abandonRetry (executionId: string, reason: string, at: number): Promise<boolean> { return this.inner.abandonRetry(executionId, reason, at) }
  retryStatistics (): Promise<RetryStatistics> { return this.inner.retryStatistics() }
  heartbeat (instance: InstanceRecord): Promise<void> { return this.inner.heartbeat(instance) }
  removeInstance (instanceId: string): Promise<void> { return this.inner.removeInstance(instanceId) }
  interruptStale (expiredBefore: number, at: number): Promise<StaleReport> { return this.inner.interruptStale(expiredBefore, at) }
}

describe('public types', () => {
  test('a storage of the consumer\'s own, naming every storage type, runs executions and lists failure cases', async () => {
    const storage = new CountingStorage()
    const engine = startEngine({ storage })
    const publish: PublishOptions = { replace: true }
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build(), publish)
    expect((await engine.execute('w')).status).toBe('success')
    const failed: FailedExecution[] = await engine.getFailedExecutions({ status: 'pending' satisfies RetryRecordStatus })
    expect(failed).toEqual([])
    await engine.flush()
    expect(storage.writes).toBeGreaterThan(0)
  })

  test('the types of options, records, events and handlers are exported by name', () => {
    expectTypeOf<ManualRetryOptions>().toHaveProperty('mode')
    expectTypeOf<ResolvedRetryPolicy['nonRetryable']>().toEqualTypeOf<readonly string[]>()
    expectTypeOf<RetryPolicy>().toHaveProperty('nonRetryable')
    expectTypeOf<RecordKind>().toMatchTypeOf<string>()
    expectTypeOf<TaskEventBase>().toMatchTypeOf<ExecutionEventBase>()
    expectTypeOf<TaskRows>().toMatchTypeOf<RowList<TaskRecord>>()
    expectTypeOf<SpanRows>().toMatchTypeOf<RowList<SpanRecord>>()
    expectTypeOf<TaskSource>().not.toBeAny()
    expectTypeOf<HandlerContext<{ params: number }>>().toEqualTypeOf<TaskContext<number, Record<string, unknown>>>()
    expectTypeOf<HandlerOf<HandlerTypes>>().toMatchTypeOf<TaskHandler>()
  })

  test('every error code is its own name, INTERRUPTED is one, and the unused INVALID_WORKFLOW is gone', () => {
    for (const [key, value] of Object.entries(ErrorCodes)) expect(value).toBe(key)
    expect(ErrorCodes.INTERRUPTED).toBe('INTERRUPTED')
    expect(Object.keys(ErrorCodes)).not.toContain('INVALID_WORKFLOW')
    // @ts-expect-error a RetryError carries a manual-retry code only
    void new RetryError(ErrorCodes.INVALID_OPTIONS, 'x')
  })
})
