import { isSpanRows, isTaskRows, type ExecutionStorage, type RecordBatch, type RefusedRecord, type RetryStorage, type RowList, type StaleReport, type TaskSource } from './storage.js'
import { MemoryEntry } from './memory-entry.js'
import { MemoryResultCache } from './memory-cache.js'
import { MemoryRetryCases } from './memory-retries.js'
import type { CachedResult, CacheFilter, CacheStats, ResultCacheStorage } from './cache-storage.js'
import type {
  ExecutionQuery, StoredExecution, InstanceRecord, LogEntry, LogQuery, RetryQuery, RetryRecord, RetryStatistics,
  SpanRecord, TaskRecord, WorkflowShape
} from '../types.js'
import { LOG_LEVEL_VALUES } from '../types.js'
import { InvalidOptionsError } from '../errors.js'
import { checkOptionsObject, describeValue, optionKeys } from '../option-keys.js'
import { checkExecutionQuery } from '../query-options.js'

export interface MemoryStorageOptions {
  /**
   * Executions kept; the oldest (with their tasks, logs and spans) are evicted beyond this.
   * @default 10000
   */
  maxExecutions?: number
  /**
   * Executions older than this (ms since they ended) are evicted.
   * @default 3600000 (one hour)
   */
  maxAge?: number
  /**
   * Bytes of cached task results kept (see the task option `cache`); the least recently
   * used go first beyond this. A larger output fails its cached task.
   * @default 268435456 (256 MiB)
   */
  maxCacheBytes?: number
}

const kDefaults: Required<MemoryStorageOptions> = Object.freeze({
  maxExecutions: 10_000,
  maxAge: 3_600_000,
  maxCacheBytes: 256 * 1024 * 1024
})

const kEvictedIds = 10_000
const kMemoryOptionKeys = optionKeys<MemoryStorageOptions>({ maxExecutions: true, maxAge: true, maxCacheBytes: true })


/**
 * The embedded default: history in process memory, bounded by count and age so
 * that a long-running service does not grow without limit. Nothing is shared
 * between processes.
 */
export class MemoryStorage implements ExecutionStorage, RetryStorage, ResultCacheStorage {
  readonly kind = 'memory'
  readonly #options: Required<MemoryStorageOptions>
  readonly #cache: MemoryResultCache
  // Map keeps insertion order, and ids sort by start time, so the first key is the oldest.
  readonly #executions = new Map<string, MemoryEntry>()
  // Ids evicted lately, so that their late writes stay out: a batch of writes may
  // name many more executions than the bound holds.
  readonly #evicted = new Set<string>()
  readonly #retries = new MemoryRetryCases()
  // One per definition hash, a few per workflow: kept regardless of execution retention.
  readonly #shapes = new Map<string, WorkflowShape>()

  /** @throws {InvalidOptionsError} an unknown option, or one of the wrong type or range */
  constructor (options?: MemoryStorageOptions) {
    this.#options = { ...kDefaults, ...checkOptionsObject(options, kMemoryOptionKeys, 'new MemoryStorage()') }
    const { maxExecutions, maxAge } = this.#options
    if (!Number.isInteger(maxExecutions) || maxExecutions < 1) {
      throw new InvalidOptionsError(`MemoryStorage: maxExecutions must be a positive integer; got ${describeValue(maxExecutions)}`)
    }
    if (!(maxAge > 0)) throw new InvalidOptionsError(`MemoryStorage: maxAge must be a positive number of ms; got ${describeValue(maxAge)}`)
    const { maxCacheBytes } = this.#options
    if (!Number.isSafeInteger(maxCacheBytes) || maxCacheBytes < 0) {
      throw new InvalidOptionsError(`MemoryStorage: maxCacheBytes must be a non-negative integer; got ${describeValue(maxCacheBytes)}`)
    }
    this.#cache = new MemoryResultCache(maxCacheBytes)
  }

  get maxCachedBytes (): number { return this.#cache.maxBytes }

  async getCachedResults (keys: readonly string[], now: number): Promise<Array<CachedResult | string | undefined>> {
    return this.#cache.get(keys, now)
  }

  async putCachedResults (entries: readonly CachedResult[]): Promise<void> {
    this.#cache.put(entries)
  }

  async clearCachedResults (filter?: CacheFilter): Promise<number> {
    return this.#cache.clear(filter)
  }

  async cacheStats (): Promise<CacheStats> {
    return this.#cache.stats()
  }

  async init (): Promise<void> {}

  /**
   * Applies one flush of records at once: nothing else runs between its first and
   * its last change, which is what a transaction gives MySQL. Refuses nothing.
   */
  async writeRecords (batch: RecordBatch): Promise<RefusedRecord[]> {
    this.#putExecutions(batch.executions)
    this.#putTasks(batch.tasks)
    this.#retries.put(batch.retries)
    return []
  }

  async writeExecutions (records: readonly StoredExecution[]): Promise<void> {
    this.#putExecutions(records)
  }

  #putExecutions (records: readonly StoredExecution[]): void {
    for (let i = 0; i < records.length; i++) {
      const entry = this.#entry(records[i].executionId)
      if (entry !== undefined) entry.record = records[i]
    }
    this.#evict()
  }

  // Spans and logs travel in another queue than records, so they may arrive before
  // the execution they belong to: they wait in an entry without a record. Writes for
  // an execution evicted a moment ago are ignored rather than bringing it back.
  #entry (id: string): MemoryEntry | undefined {
    let entry = this.#executions.get(id)
    if (entry === undefined) {
      if (this.#evicted.has(id)) return undefined
      entry = new MemoryEntry()
      this.#executions.set(id, entry)
    }
    return entry
  }

  async writeTaskResults (records: RowList<TaskRecord>): Promise<void> {
    this.#putTasks(records)
  }

  // Rows from the engine keep a reference to its state; anything else is kept as records.
  #putTasks (records: RowList<TaskRecord>): void {
    if (isTaskRows(records)) {
      let last: TaskSource | null = null
      let entry: MemoryEntry | undefined
      for (let k = 0; k < records.length; k++) {
        const source = records.sourceOf(k)
        if (source !== last) {
          last = source
          entry = this.#entry(source.executionId)
        }
        entry?.putTaskOf(source, records.indexOf(k))
      }
      return
    }
    for (let k = 0; k < records.length; k++) {
      const record = records.at(k)!
      this.#entry(record.executionId)?.putTask(record)
    }
  }

  async writeLogs (entries: readonly LogEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i++) this.#entry(entries[i].executionId)?.logs.push(entries[i])
  }

  async writeSpans (spans: RowList<SpanRecord>): Promise<void> {
    if (isSpanRows(spans)) {
      let last = ''
      let entry: MemoryEntry | undefined
      for (let k = 0; k < spans.length; k++) {
        const id = spans.executionIdOf(k)
        if (id !== last) {
          last = id
          entry = this.#entry(id)
        }
        entry?.putSpanRow(spans, k)
      }
      return
    }
    for (let k = 0; k < spans.length; k++) {
      const span = spans.at(k)!
      this.#entry(span.executionId)?.putSpan(span)
    }
  }

  async getExecution (id: string): Promise<StoredExecution | undefined> {
    return this.#executions.get(id)?.record
  }

  async listExecutions (given: ExecutionQuery = {}): Promise<StoredExecution[]> {
    const query = checkExecutionQuery(given)
    const statuses = query.status === undefined
      ? undefined
      : new Set(Array.isArray(query.status) ? query.status : [query.status])
    const limit = query.limit ?? 100
    let skip = query.offset ?? 0
    const out: StoredExecution[] = []
    const all: StoredExecution[] = []
    for (const entry of this.#executions.values()) if (entry.record !== undefined) all.push(entry.record)
    // Newest first by start time, then id: ids chosen by the caller do not sort by time.
    all.sort((a, b) => b.startedAt - a.startedAt || (a.executionId < b.executionId ? 1 : a.executionId > b.executionId ? -1 : 0))
    const cursor = query.after === undefined ? undefined : this.#executions.get(query.after)?.record
    for (let i = 0; i < all.length && out.length < limit; i++) {
      const r = all[i]
      if (query.after !== undefined && (cursor === undefined
        ? r.executionId >= query.after
        : r.startedAt > cursor.startedAt || (r.startedAt === cursor.startedAt && r.executionId >= cursor.executionId))) continue
      if (query.workflowId !== undefined && r.workflowId !== query.workflowId) continue
      if (statuses !== undefined && !statuses.has(r.status)) continue
      if (query.from !== undefined && r.startedAt < query.from) continue
      if (query.to !== undefined && r.startedAt >= query.to) continue
      if (query.retryOf !== undefined && r.retryOf !== query.retryOf) continue
      if (skip > 0) { skip--; continue }
      out.push(r)
    }
    return out
  }

  async getTaskResults (executionId: string): Promise<TaskRecord[]> {
    return this.#executions.get(executionId)?.tasks() ?? []
  }

  async getLogs (executionId: string, query: LogQuery = {}): Promise<LogEntry[]> {
    const entry = this.#executions.get(executionId)
    if (entry === undefined) return []
    const min = query.level === undefined ? 0 : LOG_LEVEL_VALUES[query.level]
    const limit = query.limit ?? 1000
    let skip = query.offset ?? 0
    const out: LogEntry[] = []
    for (const log of entry.logs) {
      if (out.length >= limit) break
      if (query.taskId !== undefined && log.taskId !== query.taskId) continue
      if (LOG_LEVEL_VALUES[log.level] < min) continue
      if (skip > 0) { skip--; continue }
      out.push(log)
    }
    return out
  }

  async getSpans (executionId: string): Promise<SpanRecord[]> {
    return this.#executions.get(executionId)?.spans() ?? []
  }

  async close (): Promise<void> {}

  /** Keeps a definition's shape, once per hash. */
  async writeWorkflowShape (shape: WorkflowShape): Promise<void> {
    if (!this.#shapes.has(shape.definitionHash)) this.#shapes.set(shape.definitionHash, structuredClone(shape))
  }

  async getWorkflowShape (definitionHash: string): Promise<WorkflowShape | undefined> {
    const shape = this.#shapes.get(definitionHash)
    return shape === undefined ? undefined : structuredClone(shape)
  }

  /** Upserts failure cases, fenced as RetryStorage says: a late or repeated write changes nothing. */
  async writeRetryRecords (records: readonly RetryRecord[]): Promise<void> {
    this.#retries.put(records)
  }

  async getRetryRecord (executionId: string): Promise<RetryRecord | undefined> {
    return this.#retries.get(executionId)
  }

  async listRetryRecords (query: RetryQuery = {}): Promise<RetryRecord[]> {
    return this.#retries.list(query)
  }

  async claimRetry (executionId: string, instanceId: string, at: number, takeOver = false): Promise<boolean> {
    return this.#retries.claim(executionId, instanceId, at, takeOver)
  }

  async adoptRetry (executionId: string, instanceId: string, at: number): Promise<boolean> {
    return this.#retries.claim(executionId, instanceId, at, true)
  }

  async abandonRetry (executionId: string, reason: string, at: number): Promise<boolean> {
    return this.#retries.abandon(executionId, reason, at)
  }

  async retryStatistics (): Promise<RetryStatistics> {
    return this.#retries.statistics()
  }

  // One process holds every execution of a MemoryStorage: no other instance can die
  // with executions in it, so there is nothing to recover.
  async heartbeat (_instance: InstanceRecord): Promise<void> {}
  async removeInstance (_instanceId: string): Promise<void> {}
  async interruptStale (_expiredBefore: number, _at: number): Promise<StaleReport> {
    return { interrupted: [], released: [] }
  }

  /** Number of executions held; for tests of retention. */
  get size (): number {
    return this.#executions.size
  }

  #evict (): void {
    const { maxExecutions, maxAge } = this.#options
    const cutoff = Date.now() - maxAge
    for (const [id, entry] of this.#executions) {
      const over = this.#executions.size > maxExecutions
      const endedAt = entry.record?.endedAt
      if (endedAt === undefined) {
        // A running execution, or one whose record has not arrived yet, is kept unless
        // the count bound is exceeded: its writes are still coming.
        if (over) continue
        break
      }
      if (!over && endedAt >= cutoff) break
      this.#executions.delete(id)
      this.#evicted.add(id)
      if (this.#evicted.size > Math.max(maxExecutions, kEvictedIds)) this.#evicted.delete(this.#evicted.values().next().value!)
    }
  }
}
