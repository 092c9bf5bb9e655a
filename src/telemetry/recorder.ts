/**
 * The tracer and record writer: everything the engine records about executions
 * goes through here on its way to storage.
 *
 *   main thread (hot path)                            writers                          storage
 *   recordSpan / recordLog ──push──▶ TelemetryWriter (fastq, `concurrency`) ──▶ writeSpans / writeLogs
 *   recordExecution / recordTask /
 *   recordRetry ──set by id──▶ RecordWriter (one group in flight) ──▶ writeRecords: one transaction
 *   whenCommitted(cb, arg) ───────────▲ called once its group is committed
 *
 * A storage may do its writes on a thread of its own (MySQLStorage does): then the
 * writers here hand each batch over and wait for its answer, and the encoding, the
 * driver and the sockets cost this thread nothing.
 *
 * Recording is an array push or a map set: no promise, no I/O, no JSON. Spans
 * and logs are bounded (`maxQueueSize`) and dropped past it, counted. Execution,
 * task and failure-case records are never dropped: they coalesce by id and are
 * committed together, so storage never holds a terminal execution without its
 * task results; a failed commit is retried with backoff until it succeeds or
 * `close()` gives up, which reports what could not be written. Their memory is
 * bounded by refusing new work (`backlogFull()`), not by dropping.
 */
import type { Logger } from 'pino'
import type { ExecutionStorage, TaskSource } from '../storage/storage.js'
import type { StoredExecution, LogEntry, RetryRecord, SpanRecord } from '../types.js'
import { ErrorCodes, StorageError, type ErrorInfo } from '../errors.js'
import type { CommitCallback } from './record-buffer.js'
import { RecordWriter } from './record-writer.js'
import { TelemetryWriter } from './telemetry-writer.js'
import { StorageHealth } from './storage-health.js'
import type { SpanOwner } from './span-rows.js'
import type { ResolvedTracerOptions, TracerStats } from './tracer-options.js'

export { kTracerDefaults, validateTracerOptions } from './tracer-options.js'
export type { ResolvedTracerOptions, TracerOptions, TracerStats } from './tracer-options.js'
export type { CommitCallback } from './record-buffer.js'

/**
 * The engine's single way to storage: buffers what the engine records and writes it
 * off the hot path (see the top of this file).
 */
export class Recorder {
  readonly #storage: ExecutionStorage
  readonly #options: ResolvedTracerOptions
  readonly #logger: Logger
  readonly #records: RecordWriter
  readonly #telemetry: TelemetryWriter
  readonly #health: StorageHealth
  #timer: NodeJS.Timeout | null = null
  #ready: Promise<void> | null = null
  #lastDropReport = 0
  #lastRestartReport = 0

  constructor (storage: ExecutionStorage, options: ResolvedTracerOptions, logger: Logger) {
    this.#storage = storage
    this.#options = options
    this.#logger = logger
    const ready = (): Promise<void> => this.ready()
    this.#health = new StorageHealth(logger, storageName(storage))
    this.#records = new RecordWriter(storage, options, logger, ready, this.#health)
    this.#telemetry = new TelemetryWriter(storage, options, logger, ready, this.#health)
    this.#timer = setInterval(() => this.#tick(), options.flushInterval)
    this.#timer.unref()
  }

  /** Buffers a span; drops and counts it when the bound is reached. */
  recordSpan (span: SpanRecord): void {
    this.#telemetry.recordSpan(span)
  }

  /**
   * Buffers the span of one attempt of task `task` of `owner` as columns (no object);
   * drops and counts it when the bound is reached.
   */
  recordTaskSpan (owner: SpanOwner, task: number, attempt: number, readyAt: number, start: number, end: number,
    threadId: number, error: ErrorInfo | null): void {
    this.#telemetry.recordTaskSpan(owner, task, attempt, readyAt, start, end, threadId, error)
  }

  /**
   * `count` tasks of `source` succeeded, on worker thread `threadId`: their spans and
   * their records, in one call for a batch.
   */
  recordSuccesses (source: TaskSource & SpanOwner, tasks: Int32Array, count: number, threadId: number): void {
    this.#telemetry.recordSuccessSpans(source, tasks, count, threadId)
    this.#records.recordTasks(source, tasks, count)
  }

  /** Buffers a log entry; drops and counts it when the bound is reached. */
  recordLog (entry: LogEntry): void {
    this.#telemetry.recordLog(entry)
  }

  /** Records the latest state of an execution; never dropped. */
  recordExecution (record: StoredExecution): void {
    this.#records.recordExecution(record)
  }

  /** Records task i of `source` in its final state (read from the source when written); never dropped. */
  recordTask (source: TaskSource, i: number): void {
    this.#records.recordTask(source, i)
  }

  /** Records the latest state of a failure case (manual retry); never dropped. */
  recordRetry (record: RetryRecord): void {
    this.#records.recordRetry(record)
  }

  /**
   * Group commit, for a strict durability mode. Calls `callback(arg, true)` once
   * every execution, task and failure-case record recorded before this call is
   * committed in storage, or `callback(arg, false)` if `close()` gave up first.
   * Never synchronously, and with no promise per call: the callbacks of one group
   * are called in the order they were given. The records of one turn of the event
   * loop go in one transaction, cut at once (not at `flushInterval`); those
   * recorded while it is in flight go in the next. During an outage the commit is
   * retried with backoff and the callbacks wait. A record refused for good does not
   * hold its group: it is counted in `rejected` and the others commit.
   */
  whenCommitted<T> (callback: CommitCallback<T>, arg: T): void {
    this.#records.whenCommitted(callback, arg)
  }

  /**
   * True while the records waiting to be written exceed `maxBufferedBytes`: the
   * engine should refuse new work (`StorageBacklogError`) until storage catches up.
   */
  backlogFull (): boolean {
    return this.#records.backlogBytes >= this.#options.maxBufferedBytes
  }

  /**
   * The check before an execution runs: throws when storage declares that a value
   * of `bytes` bytes cannot be kept (its `maxValueBytes`). Synchronous.
   * @param what names the value in the message, e.g. `input of workflow "x"`
   * @throws {StorageError} RECORD_TOO_LARGE
   */
  checkValueSize (bytes: number, what: string): void {
    const limit = this.#storage.maxValueBytes
    if (limit !== undefined && bytes > limit) {
      throw new StorageError(ErrorCodes.RECORD_TOO_LARGE,
        `${what} is ${bytes} bytes serialised; ${this.#storage.kind} storage keeps values of at most ${limit} bytes (maxValueBytes)`)
    }
  }

  /** Writes everything recorded so far; resolves when it is in storage (or given up). */
  async flush (): Promise<void> {
    await Promise.all([this.#records.flush(), this.#telemetry.flush()])
  }

  /**
   * Flushes, waiting at most `timeout` ms for storage; then reports (logs with
   * ids) whatever could not be written, counts it as lost and stops, without
   * waiting for a write still in flight.
   */
  async close (timeout: number): Promise<void> {
    if (this.#timer !== null) {
      clearInterval(this.#timer)
      this.#timer = null
    }
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      this.flush().then(() => false),
      new Promise<boolean>(resolve => { timer = setTimeout(resolve, timeout, true) })
    ])
    clearTimeout(timer)
    this.#reportRestarts()
    if (!timedOut) return
    const before = this.stats().lost
    this.#logger.error({ pending: this.#telemetry.pending, backlogBytes: this.#records.backlogBytes, timeout },
      'close() timed out waiting for storage; unwritten records are reported and dropped')
    this.#records.abandon()
    this.#telemetry.abandon()
    const lost = this.stats().lost - before
    if (lost > 0) this.#logger.error({ lost }, 'tracer: records, spans and logs lost at close')
  }

  /** Counters of both writers (see TracerStats). */
  stats (): TracerStats {
    const r = this.#records.counters
    const t = this.#telemetry.counters
    return {
      spansRecorded: t.spansRecorded,
      spansWritten: t.spansWritten,
      spansDropped: t.spansDropped,
      logsRecorded: t.logsRecorded,
      logsWritten: t.logsWritten,
      logsDropped: t.logsDropped,
      recordsWritten: r.recordsWritten,
      commits: r.commits,
      batchesWritten: t.batchesWritten,
      writeErrors: r.writeErrors + t.writeErrors,
      pending: this.#telemetry.pending,
      backlogBytes: this.#records.backlogBytes,
      rejected: r.rejected + t.rejected,
      lost: r.lost + t.lost,
      writerRestarts: this.#storage.writerRestarts ?? 0
    }
  }

  /** Initialises storage once; a failed init is tried again by the next caller. */
  ready (): Promise<void> {
    if (this.#ready === null) {
      const ready = this.#ready = this.#storage.init()
      ready.then(() => this.#health.up(), err => {
        if (this.#ready === ready) this.#ready = null
        this.#health.down(err)
      })
    }
    return this.#ready
  }

  /** Whether storage has answered at least once (its init succeeded, or a write). */
  get storageAnswered (): boolean {
    return this.#health.answered
  }

  /** Whether storage failed and has never answered (see StorageHealth.unreached). */
  get storageUnreached (): boolean {
    return this.#health.unreached
  }

  #tick (): void {
    this.#records.tick()
    this.#telemetry.cut()
    const { spansDropped, logsDropped } = this.#telemetry.counters
    if (spansDropped + logsDropped > this.#lastDropReport) {
      this.#logger.warn({ spansDropped, logsDropped }, 'tracer buffer full: spans and logs dropped (see engine.stats())')
      this.#lastDropReport = spansDropped + logsDropped
    }
    this.#reportRestarts()
  }

  #reportRestarts (): void {
    const restarts = this.#storage.writerRestarts ?? 0
    if (restarts > this.#lastRestartReport) {
      this.#logger.error({ writerRestarts: restarts, reason: this.#storage.lastWriterExit },
        'storage writer thread died and was started again; the writes it had not finished were sent again')
      this.#lastRestartReport = restarts
    }
  }
}

/** How log lines name a storage: its kind, and where it is when it says (`mysql at 127.0.0.1:3306`). */
export function storageName (storage: ExecutionStorage): string {
  const target = (storage as { target?: unknown }).target
  return typeof target === 'string' ? `${storage.kind} at ${target}` : storage.kind
}
