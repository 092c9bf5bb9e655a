/**
 * The tracer and record writer: everything the engine records about executions
 * goes through here on its way to storage.
 *
 *   main thread (hot path)                          fastq queues                       storage
 *   recordSpan / recordLog ──push──▶ buffer ──full batch or timer──▶ telemetry (concurrency) ──▶ writeSpans([...512])
 *   recordExecution / recordTask ──▶ map by id (latest wins) ──────▶ records (always 1) ──────▶ writeExecutions([...])
 *
 * Recording is an array push or a map set: no promise, no I/O, no JSON. Spans
 * and logs are bounded (`maxQueueSize` buffered or in flight); past the bound
 * new ones are dropped and counted, never blocking task execution (the policy
 * of OpenTelemetry's BatchSpanProcessor). Execution and task records are never
 * dropped: they coalesce by id, so they are bounded by the executions alive, and
 * a failed write is retried with backoff until it succeeds or `close()` gives up,
 * which reports what could not be written.
 *
 * A record that storage refuses for good (an error with `rejected: [{ index }]`,
 * or RECORD_TOO_LARGE) is not retried: it is dropped, logged with its id and
 * counted in `lost`, and the rest of its batch counts as written.
 */
import fastq from 'fastq'
import type { Logger } from 'pino'
import type { ExecutionStorage, RetryStorage } from '../storage/storage.js'
import type { ExecutionRecord, LogEntry, RetryRecord, SpanRecord, TaskRecord } from '../types.js'
import { ErrorCodes } from '../errors.js'
import type { ResolvedTracerOptions, TracerStats } from './tracer-options.js'

export { kTracerDefaults, validateTracerOptions } from './tracer-options.js'
export type { ResolvedTracerOptions, TracerOptions, TracerStats } from './tracer-options.js'

interface Job {
  kind: 'executions' | 'tasks' | 'retries' | 'spans' | 'logs'
  items: Array<ExecutionRecord | TaskRecord | RetryRecord | SpanRecord | LogEntry>
  /** Set once the job is settled for good (written, or counted lost), so a late outcome is ignored. */
  settled?: boolean
  /** Pending retry, cleared when close() gives up. */
  retry?: { timer: NodeJS.Timeout, done: () => void }
}

/** A storage error saying which records of the batch can never be written; the others were. */
interface Rejection { rejected: ReadonlyArray<{ index: number, code?: string, reason?: string }> }

export class Recorder {
  readonly #storage: ExecutionStorage
  readonly #options: ResolvedTracerOptions
  readonly #logger: Logger
  // Records go one batch at a time whatever `concurrency` says: two upserts of the
  // same execution in flight at once could land in the wrong order and leave a stale
  // status. Spans and logs are insert-only, so they may go several at a time.
  readonly #records: fastq.queue<Job, void>
  readonly #telemetry: fastq.queue<Job, void>
  readonly #active = new Set<Job>()
  #spans: SpanRecord[] = []
  #logs: LogEntry[] = []
  #executions = new Map<string, ExecutionRecord>()
  #tasks = new Map<string, TaskRecord>()
  #retryRecords = new Map<string, RetryRecord>()
  #pending = 0
  #timer: NodeJS.Timeout | null = null
  #idleWaiters: Array<() => void> = []
  #giveUp = false
  #ready: Promise<void> | null = null
  #lastDropReport = 0
  readonly #stats: TracerStats = {
    spansRecorded: 0,
    spansWritten: 0,
    spansDropped: 0,
    logsRecorded: 0,
    logsWritten: 0,
    logsDropped: 0,
    recordsWritten: 0,
    batchesWritten: 0,
    writeErrors: 0,
    pending: 0,
    lost: 0
  }

  constructor (storage: ExecutionStorage, options: ResolvedTracerOptions, logger: Logger) {
    this.#storage = storage
    this.#options = options
    this.#logger = logger
    this.#records = fastq(this, this.#work, 1)
    this.#telemetry = fastq(this, this.#work, options.concurrency)
    this.#records.drain = this.#telemetry.drain = () => this.#wakeIfIdle()
    this.#timer = setInterval(() => this.#tick(), options.flushInterval)
    this.#timer.unref()
  }

  /** Buffers a span; drops and counts it when the bound is reached. */
  recordSpan (span: SpanRecord): void {
    if (this.#pending >= this.#options.maxQueueSize) {
      this.#stats.spansDropped++
      return
    }
    this.#stats.spansRecorded++
    this.#pending++
    if (this.#spans.push(span) >= this.#options.batchSize) this.#cut()
  }

  /** Buffers a log entry; drops and counts it when the bound is reached. */
  recordLog (entry: LogEntry): void {
    if (this.#pending >= this.#options.maxQueueSize) {
      this.#stats.logsDropped++
      return
    }
    this.#stats.logsRecorded++
    this.#pending++
    if (this.#logs.push(entry) >= this.#options.batchSize) this.#cut()
  }

  /** Records the latest state of an execution; never dropped. */
  recordExecution (record: ExecutionRecord): void {
    this.#executions.set(record.id, record)
  }

  /** Records the latest state of a task; never dropped. */
  recordTask (record: TaskRecord): void {
    this.#tasks.set(record.executionId + '\0' + record.taskId, record)
  }

  /** Records the latest state of a failure case (manual retry); never dropped. */
  recordRetry (record: RetryRecord): void {
    this.#retryRecords.set(record.executionId, record)
  }

  /** Writes everything recorded so far; resolves when it is in storage (or given up). */
  flush (): Promise<void> {
    this.#cut()
    // Once close() has given up, writes still in flight are nobody's to wait for.
    if (this.#giveUp || this.#idle()) return Promise.resolve()
    return new Promise(resolve => { this.#idleWaiters.push(resolve) })
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
    if (timedOut) this.#abandon(timeout)
  }

  stats (): TracerStats {
    return { ...this.#stats, pending: this.#pending }
  }

  /** Initialises storage once; a failed init is tried again by the next caller. */
  ready (): Promise<void> {
    if (this.#ready === null) {
      const ready = this.#ready = this.#storage.init()
      ready.catch(() => { if (this.#ready === ready) this.#ready = null })
    }
    return this.#ready
  }

  #idle (): boolean {
    return this.#records.idle() && this.#telemetry.idle()
  }

  #wakeIfIdle (): void {
    if (!this.#idle()) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (let i = 0; i < waiters.length; i++) waiters[i]()
  }

  // Moves every buffer into jobs, executions first: with one batch at a time, a task
  // row is never written before the execution it belongs to.
  #cut (): void {
    if (this.#executions.size > 0) {
      this.#push(this.#records, { kind: 'executions', items: [...this.#executions.values()] })
      this.#executions = new Map()
    }
    if (this.#tasks.size > 0) {
      this.#push(this.#records, { kind: 'tasks', items: [...this.#tasks.values()] })
      this.#tasks = new Map()
    }
    if (this.#retryRecords.size > 0) {
      this.#push(this.#records, { kind: 'retries', items: [...this.#retryRecords.values()] })
      this.#retryRecords = new Map()
    }
    const { batchSize } = this.#options
    while (this.#spans.length > 0) {
      const items = this.#spans.length <= batchSize ? this.#spans : this.#spans.splice(0, batchSize)
      if (items === this.#spans) this.#spans = []
      this.#push(this.#telemetry, { kind: 'spans', items })
    }
    while (this.#logs.length > 0) {
      const items = this.#logs.length <= batchSize ? this.#logs : this.#logs.splice(0, batchSize)
      if (items === this.#logs) this.#logs = []
      this.#push(this.#telemetry, { kind: 'logs', items })
    }
  }

  #push (queue: fastq.queue<Job, void>, job: Job): void {
    if (this.#giveUp) this.#lose(job)
    else queue.push(job)
  }

  #tick (): void {
    this.#cut()
    const dropped = this.#stats.spansDropped + this.#stats.logsDropped
    if (dropped > this.#lastDropReport) {
      this.#logger.warn({ spansDropped: this.#stats.spansDropped, logsDropped: this.#stats.logsDropped },
        'tracer buffer full: spans and logs dropped (see engine.stats())')
      this.#lastDropReport = dropped
    }
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
      if (job.settled === true) { done(); return }
      if (this.#rejected(job, err)) { done(); return }
      this.#stats.writeErrors++
      const delay = Math.min(this.#options.maxRetryDelay, this.#options.retryDelay * 2 ** failures)
      if (failures === 0 || failures % 10 === 0) {
        // A schema newer than the code will not fix itself: say so loudly.
        const level = (err as { code?: string })?.code === ErrorCodes.SCHEMA_TOO_NEW ? 'error' : 'warn'
        this.#logger[level]({ err, kind: job.kind, rows: job.items.length, retryIn: delay }, 'storage write failed; retrying')
      }
      const timer = setTimeout(() => {
        job.retry = undefined
        this.#attempt(job, failures + 1, done)
      }, delay)
      timer.unref()
      job.retry = { timer, done }
    })
  }

  /**
   * A storage error that names records it can never write (RECORD_TOO_LARGE): those
   * are dropped and reported, the rest of the batch was written. Without the list, a
   * batch of several is split so that the one at fault is found.
   */
  #rejected (job: Job, err: unknown): boolean {
    const list = (err as Partial<Rejection> | null)?.rejected
    const n = job.items.length
    if (Array.isArray(list) && list.length > 0 && list.every(r => Number.isInteger(r?.index) && r.index >= 0 && r.index < n)) {
      const indices = new Set(list.map(r => r.index))
      for (const r of list) this.#reject(job, r.index, r.code ?? (err as { code?: string }).code, r.reason ?? (err as Error).message)
      this.#written(job, n - indices.size)
      return true
    }
    if ((err as { code?: string } | null)?.code !== ErrorCodes.RECORD_TOO_LARGE) return false
    if (n === 1) {
      this.#reject(job, 0, ErrorCodes.RECORD_TOO_LARGE, (err as Error).message)
      return true
    }
    const queue = isTelemetry(job.kind) ? this.#telemetry : this.#records
    for (let i = n - 1; i >= 0; i--) queue.unshift({ kind: job.kind, items: [job.items[i]] })
    job.settled = true
    return true
  }

  #reject (job: Job, index: number, code: string | undefined, reason: string): void {
    this.#stats.lost++
    if (isTelemetry(job.kind)) this.#pending--
    this.#logger.error({ kind: job.kind, id: idOf(job.kind, job.items[index]), code, reason },
      'storage refused a record for good; it is dropped')
  }

  async #write (job: Job): Promise<void> {
    await this.ready()
    switch (job.kind) {
      case 'executions': return this.#storage.writeExecutions(job.items as ExecutionRecord[])
      case 'tasks': return this.#storage.writeTaskResults(job.items as TaskRecord[])
      case 'retries': return (this.#storage as ExecutionStorage & RetryStorage).writeRetryRecords(job.items as RetryRecord[])
      case 'spans': return this.#storage.writeSpans(job.items as SpanRecord[])
      case 'logs': return this.#storage.writeLogs(job.items as LogEntry[])
    }
  }

  /** `n` of the job's items are in storage (the others, if any, were rejected and counted already). */
  #written (job: Job, n: number): void {
    job.settled = true
    this.#stats.batchesWritten++
    switch (job.kind) {
      case 'spans': this.#stats.spansWritten += n; this.#pending -= n; break
      case 'logs': this.#stats.logsWritten += n; this.#pending -= n; break
      default: this.#stats.recordsWritten += n
    }
  }

  #lose (job: Job): void {
    if (job.settled === true) return
    job.settled = true
    const n = job.items.length
    this.#stats.lost += n
    if (isTelemetry(job.kind)) {
      this.#pending -= n
    } else {
      this.#logger.error({ kind: job.kind, ids: job.items.map(r => idOf(job.kind, r)) },
        'storage unavailable at close: these records were not written')
    }
  }

  // close() timed out: everything not yet written is counted lost and reported now.
  // A write still in flight is not waited for (a server that hangs would hang close()).
  #abandon (timeout: number): void {
    this.#giveUp = true
    const before = this.#stats.lost
    this.#logger.error({ pending: this.#pending, timeout },
      'close() timed out waiting for storage; unwritten records are reported and dropped')
    this.#cut()
    for (const queue of [this.#records, this.#telemetry]) {
      for (const job of queue.getQueue()) this.#lose(job)
      queue.kill()
      queue.drain = () => this.#wakeIfIdle()
    }
    for (const job of this.#active) {
      this.#lose(job)
      if (job.retry !== undefined) {
        clearTimeout(job.retry.timer)
        const { done } = job.retry
        job.retry = undefined
        done()
      }
    }
    if (this.#stats.lost > before) this.#logger.error({ lost: this.#stats.lost - before }, 'tracer: records, spans and logs lost at close')
    // Writes still in flight settle later and are ignored; nobody waits for them.
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (let i = 0; i < waiters.length; i++) waiters[i]()
  }
}

/** Spans and logs: bounded, droppable, written by the telemetry queue. Everything else is a record. */
function isTelemetry (kind: Job['kind']): boolean {
  return kind === 'spans' || kind === 'logs'
}

function idOf (kind: Job['kind'], item: Job['items'][number]): string {
  switch (kind) {
    case 'executions': return (item as ExecutionRecord).id
    case 'tasks': return `${(item as TaskRecord).executionId}/${(item as TaskRecord).taskId}`
    case 'retries': return `${(item as RetryRecord).executionId}/retry`
    case 'spans': return `${(item as SpanRecord).executionId}/span:${(item as SpanRecord).spanId}`
    case 'logs': return `${(item as LogEntry).executionId}/log@${(item as LogEntry).time}`
  }
}
