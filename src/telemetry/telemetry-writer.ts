/**
 * Spans and log lines on their way to storage: buffered by a push, written in
 * batches of `batchSize` by a fastq queue of `concurrency` workers (or the storage's
 * `writeConcurrency`, when it asks for more).
 *
 *   recordSpan / recordLog ──push──▶ buffer ──full batch or timer──▶ fastq ──▶ writeSpans / writeLogs([...512])
 *
 * Bounded: past `maxQueueSize` (buffered or in flight) new ones are dropped and
 * counted, never blocking task execution (the policy of OpenTelemetry's
 * BatchSpanProcessor). A failed batch is retried with backoff; one that storage
 * refuses in part has its refused rows set aside and counted in `rejected`.
 */
import fastq from 'fastq'
import type { Logger } from 'pino'
import type { ExecutionStorage, RowList } from '../storage/storage.js'
import { SpanColumns, type SpanOwner } from './span-rows.js'
import type { LogEntry, SpanRecord } from '../types.js'
import { ErrorCodes, type ErrorInfo } from '../errors.js'
import type { StorageHealth } from './storage-health.js'
import type { ResolvedTracerOptions, TracerStats } from './tracer-options.js'

interface Job {
  kind: 'spans' | 'logs'
  items: RowList<SpanRecord> | LogEntry[]
  /** Set once the job is settled for good (written, set aside or lost), so a late outcome is ignored. */
  settled?: boolean
  /** Pending retry, cleared when close() gives up. */
  retry?: { timer: NodeJS.Timeout, done: () => void }
}

/** The counters of the telemetry writer, part of the tracer's stats. */
type TelemetryCounters = Pick<TracerStats, 'spansRecorded' | 'spansWritten' | 'spansDropped' | 'logsRecorded' |
'logsWritten' | 'logsDropped' | 'batchesWritten' | 'writeErrors' | 'rejected' | 'lost'>

export class TelemetryWriter {
  readonly #storage: ExecutionStorage
  readonly #options: ResolvedTracerOptions
  readonly #logger: Logger
  readonly #ready: () => Promise<void>
  readonly #health: StorageHealth
  readonly #queue: fastq.queue<Job, void>
  readonly #active = new Set<Job>()
  #spans: SpanColumns
  #logs: LogEntry[] = []
  #pending = 0
  #idleWaiters: Array<() => void> = []
  #giveUp = false
  readonly #counters: TelemetryCounters = {
    spansRecorded: 0, spansWritten: 0, spansDropped: 0, logsRecorded: 0, logsWritten: 0, logsDropped: 0, batchesWritten: 0, writeErrors: 0, rejected: 0, lost: 0
  }

  constructor (storage: ExecutionStorage, options: ResolvedTracerOptions, logger: Logger, ready: () => Promise<void>, health: StorageHealth) {
    this.#health = health
    this.#storage = storage
    this.#options = options
    this.#logger = logger
    this.#ready = ready
    this.#spans = new SpanColumns(options.batchSize)
    // A storage indifferent to the order of its writes asks for several batches in flight:
    // the next is encoded and sent while the server still writes the last.
    this.#queue = fastq(this, this.#work, Math.max(options.concurrency, storage.writeConcurrency ?? 1))
    this.#queue.drain = () => this.#wakeIfIdle()
  }

  /** Spans and logs buffered or being written. */
  get pending (): number {
    return this.#pending
  }

  /** Its counters, for the tracer's stats. */
  get counters (): Readonly<TelemetryCounters> {
    return this.#counters
  }

  /** Buffers a span, or drops and counts it past `maxQueueSize`. */
  recordSpan (span: SpanRecord): void {
    if (!this.#admitSpan()) return
    this.#spans.push(span)
    if (this.#spans.full) this.cut()
  }

  /** The span of one attempt of task `task` of `owner`, as columns (see SpanColumns). */
  recordTaskSpan (owner: SpanOwner, task: number, attempt: number, readyAt: number, start: number, end: number,
    threadId: number, error: ErrorInfo | null): void {
    if (!this.#admitSpan()) return
    this.#spans.pushTask(owner, task, attempt, readyAt, start, end, threadId, error)
    if (this.#spans.full) this.cut()
  }

  // Counts a span in, or drops and counts it past the bound.
  #admitSpan (): boolean {
    if (this.#pending >= this.#options.maxQueueSize) {
      this.#counters.spansDropped++
      return false
    }
    this.#counters.spansRecorded++
    this.#pending++
    return true
  }

  /** The spans of the attempts in which `count` tasks of `owner` succeeded (see SpanColumns.pushSuccess). */
  recordSuccessSpans (owner: SpanOwner, tasks: Int32Array, count: number, threadId: number): void {
    for (let k = 0; k < count; k++) {
      if (!this.#admitSpan()) continue
      this.#spans.pushSuccess(owner, tasks[k], threadId)
      if (this.#spans.full) this.cut()
    }
  }

  recordLog (entry: LogEntry): void {
    if (this.#pending >= this.#options.maxQueueSize) {
      this.#counters.logsDropped++
      return
    }
    this.#counters.logsRecorded++
    this.#pending++
    if (this.#logs.push(entry) >= this.#options.batchSize) this.cut()
  }

  /** Moves the buffers into batches for the queue. */
  cut (): void {
    const { batchSize } = this.#options
    if (this.#spans.length > 0) {
      this.#push({ kind: 'spans', items: this.#spans })
      this.#spans = new SpanColumns(batchSize)
    }
    while (this.#logs.length > 0) {
      const items = this.#logs.length <= batchSize ? this.#logs : this.#logs.splice(0, batchSize)
      if (items === this.#logs) this.#logs = []
      this.#push({ kind: 'logs', items })
    }
  }

  /** Resolves once everything buffered so far is written (or given up). */
  flush (): Promise<void> {
    this.cut()
    if (this.#giveUp || this.#queue.idle()) return Promise.resolve()
    return new Promise(resolve => { this.#idleWaiters.push(resolve) })
  }

  /** close() gave up: everything not written is counted lost; writes in flight are not waited for. */
  abandon (): void {
    this.#giveUp = true
    this.cut()
    for (const job of this.#queue.getQueue()) this.#lose(job)
    this.#queue.kill()
    this.#queue.drain = () => this.#wakeIfIdle()
    for (const job of this.#active) {
      this.#lose(job)
      if (job.retry !== undefined) {
        clearTimeout(job.retry.timer)
        const { done } = job.retry
        job.retry = undefined
        done()
      }
    }
    const waiters = this.#idleWaiters.splice(0)
    for (let i = 0; i < waiters.length; i++) waiters[i]()
  }

  #push (job: Job): void {
    if (this.#giveUp) this.#lose(job)
    else this.#queue.push(job)
  }

  #wakeIfIdle (): void {
    if (!this.#queue.idle()) return
    const waiters = this.#idleWaiters.splice(0)
    for (let i = 0; i < waiters.length; i++) waiters[i]()
  }

  #work (job: Job, done: (err: Error | null) => void): void {
    this.#active.add(job)
    this.#attempt(job, 0, () => {
      this.#active.delete(job)
      done(null)
    })
  }

  #attempt (job: Job, failures: number, done: () => void): void {
    if (job.settled === true) { done(); return }
    if (this.#giveUp) {
      this.#lose(job)
      done()
      return
    }
    this.#write(job).then(() => {
      if (job.settled !== true) this.#written(job, job.items.length)
      done()
    }, (err: unknown) => {
      if (job.settled === true || this.#rejected(job, err)) { done(); return }
      this.#counters.writeErrors++
      const delay = Math.min(this.#options.maxWriteRetryDelay, this.#options.writeRetryDelay * 2 ** failures)
      this.#health.down(err, delay)
      const timer = setTimeout(() => {
        job.retry = undefined
        this.#attempt(job, failures + 1, done)
      }, delay)
      timer.unref()
      job.retry = { timer, done }
    })
  }

  /**
   * A storage error that names rows it can never write: those are set aside and
   * reported, the rest of the batch was written. RECORD_TOO_LARGE without the list
   * splits a batch of several, so that the one at fault is found.
   */
  #rejected (job: Job, err: unknown): boolean {
    const list = (err as { rejected?: ReadonlyArray<{ index: number, code?: string, reason?: string }> } | null)?.rejected
    const n = job.items.length
    const e = err as { code?: string, message?: string } | null
    if (Array.isArray(list) && list.length > 0 && list.every(r => Number.isInteger(r?.index) && r.index >= 0 && r.index < n)) {
      const indices = new Set(list.map(r => r.index))
      for (const r of list) this.#reject(job, r.index, r.code ?? e?.code, r.reason ?? e?.message ?? '')
      this.#written(job, n - indices.size)
      return true
    }
    if (e?.code !== ErrorCodes.RECORD_TOO_LARGE) return false
    if (n === 1) {
      this.#reject(job, 0, ErrorCodes.RECORD_TOO_LARGE, e.message ?? '')
      job.settled = true
      return true
    }
    for (let i = n - 1; i >= 0; i--) this.#queue.unshift(job.kind === 'spans' ? { kind: 'spans', items: [job.items.at(i) as SpanRecord] } : { kind: 'logs', items: [job.items.at(i) as LogEntry] })
    job.settled = true
    return true
  }

  #reject (job: Job, index: number, code: string | undefined, reason: string): void {
    this.#counters.rejected++
    this.#pending--
    const item = job.items.at(index)!
    const id = job.kind === 'spans'
      ? `${item.executionId}/span:${(item as SpanRecord).spanId}`
      : `${item.executionId}/log@${(item as LogEntry).time}`
    this.#logger.error({ kind: job.kind, id, code, reason }, 'storage refused a record for good; it is set aside and the others are written')
  }

  #write (job: Job): Promise<void> {
    return this.#ready().then(() => job.kind === 'spans'
      ? this.#storage.writeSpans(job.items as RowList<SpanRecord>)
      : this.#storage.writeLogs(job.items as LogEntry[]))
  }

  /** `n` of the job's items are in storage (the others, if any, were set aside and counted already). */
  #written (job: Job, n: number): void {
    this.#health.up()
    job.settled = true
    this.#counters.batchesWritten++
    this.#pending -= n
    if (job.kind === 'spans') this.#counters.spansWritten += n
    else this.#counters.logsWritten += n
  }

  #lose (job: Job): void {
    if (job.settled === true) return
    job.settled = true
    this.#counters.lost += job.items.length
    this.#pending -= job.items.length
  }
}
