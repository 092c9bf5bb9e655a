/**
 * The tracer and record writer: everything the engine records about executions
 * goes through here on its way to storage.
 *
 *   main thread (hot path)             fastq (concurrency 1 keeps order)       storage
 *   recordSpan / recordLog ──push──▶ buffer ──full batch or timer──▶ job ──▶ writeSpans([...512])
 *   recordExecution / recordTask ──▶ map by id (latest wins) ──────▶ job ──▶ writeExecutions([...])
 *
 * Recording is an array push or a map set: no promise, no I/O, no JSON. Spans
 * and logs are bounded (`maxQueueSize` buffered or in flight); past the bound
 * new ones are dropped and counted, never blocking task execution (the policy
 * of OpenTelemetry's BatchSpanProcessor). Execution and task records are never
 * dropped: they coalesce by id, so they are bounded by the executions alive, and
 * a failed write is retried with backoff until it succeeds or `close()` gives up,
 * which reports what could not be written.
 */
import fastq from 'fastq'
import type { Logger } from 'pino'
import type { ExecutionStorage } from './storage/storage.js'
import type { ExecutionRecord, LogEntry, SpanRecord, TaskRecord } from './types.js'
import { InvalidOptionsError } from './errors.js'

export interface TracerOptions {
  /**
   * Spans (or logs) per INSERT.
   * @default 512
   */
  batchSize?: number
  /**
   * Longest time a recorded span or record waits before it is written, in ms.
   * @default 1000
   */
  flushInterval?: number
  /**
   * Spans plus log entries held (buffered or being written) before new ones are dropped.
   * @default 65536
   */
  maxQueueSize?: number
  /**
   * Batches written at once. 1 keeps the order of writes.
   * @default 1
   */
  concurrency?: number
  /**
   * First delay before a failed batch is written again, in ms; doubles up to `maxRetryDelay`.
   * @default 100
   */
  retryDelay?: number
  /**
   * @default 5000
   */
  maxRetryDelay?: number
}

export type ResolvedTracerOptions = Required<TracerOptions>

export const kTracerDefaults: ResolvedTracerOptions = Object.freeze({
  batchSize: 512,
  flushInterval: 1000,
  maxQueueSize: 65_536,
  concurrency: 1,
  retryDelay: 100,
  maxRetryDelay: 5000
})

/** Counters of the recorder, exposed by `engine.stats()`. */
export interface TracerStats {
  spansRecorded: number
  spansWritten: number
  spansDropped: number
  logsRecorded: number
  logsWritten: number
  logsDropped: number
  recordsWritten: number
  batchesWritten: number
  writeErrors: number
  /** Spans and logs buffered or being written. */
  pending: number
  /** Records, spans and logs that close() gave up on. */
  lost: number
}

type Job =
  | { kind: 'executions', items: ExecutionRecord[] }
  | { kind: 'tasks', items: TaskRecord[] }
  | { kind: 'spans', items: SpanRecord[] }
  | { kind: 'logs', items: LogEntry[] }

export function validateTracerOptions (o: ResolvedTracerOptions): void {
  for (const key of ['batchSize', 'maxQueueSize', 'concurrency'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) {
      throw new InvalidOptionsError(`tracer.${key} must be a positive integer`)
    }
  }
  for (const key of ['flushInterval', 'retryDelay', 'maxRetryDelay'] as const) {
    if (!(o[key] > 0) || !Number.isFinite(o[key])) {
      throw new InvalidOptionsError(`tracer.${key} must be a positive number of ms`)
    }
  }
}

export class Recorder {
  readonly #storage: ExecutionStorage
  readonly #options: ResolvedTracerOptions
  readonly #logger: Logger
  readonly #queue: fastq.queue<Job, void>
  #spans: SpanRecord[] = []
  #logs: LogEntry[] = []
  #executions = new Map<string, ExecutionRecord>()
  #tasks = new Map<string, TaskRecord>()
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
    this.#queue = fastq(this, this.#work, options.concurrency)
    this.#queue.drain = () => {
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (let i = 0; i < waiters.length; i++) waiters[i]()
    }
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

  /** Writes everything recorded so far; resolves when it is in storage (or given up). */
  flush (): Promise<void> {
    this.#cut()
    if (this.#queue.idle()) return Promise.resolve()
    return new Promise(resolve => { this.#idleWaiters.push(resolve) })
  }

  /**
   * Flushes, waiting at most `timeout` ms for storage; then reports (logs with
   * ids) whatever could not be written and stops.
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
    if (timedOut) {
      this.#giveUp = true
      this.#reportLost()
      await this.flush()
    }
  }

  stats (): TracerStats {
    return { ...this.#stats, pending: this.#pending }
  }

  // Moves every buffer into jobs, executions first: a task row, log or span is
  // never written before the execution it belongs to.
  #cut (): void {
    if (this.#executions.size > 0) {
      this.#queue.push({ kind: 'executions', items: [...this.#executions.values()] })
      this.#executions = new Map()
    }
    if (this.#tasks.size > 0) {
      this.#queue.push({ kind: 'tasks', items: [...this.#tasks.values()] })
      this.#tasks = new Map()
    }
    const { batchSize } = this.#options
    while (this.#spans.length > 0) {
      const items = this.#spans.length <= batchSize ? this.#spans : this.#spans.splice(0, batchSize)
      if (items === this.#spans) this.#spans = []
      this.#queue.push({ kind: 'spans', items })
    }
    while (this.#logs.length > 0) {
      const items = this.#logs.length <= batchSize ? this.#logs : this.#logs.splice(0, batchSize)
      if (items === this.#logs) this.#logs = []
      this.#queue.push({ kind: 'logs', items })
    }
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
    this.#attempt(job, 0, done)
  }

  #attempt (job: Job, failures: number, done: (err: Error | null) => void): void {
    if (this.#giveUp) {
      this.#lose(job)
      done(null)
      return
    }
    this.#write(job).then(() => {
      this.#written(job)
      done(null)
    }, (err: unknown) => {
      this.#stats.writeErrors++
      const delay = Math.min(this.#options.maxRetryDelay, this.#options.retryDelay * 2 ** failures)
      if (failures === 0 || failures % 10 === 0) {
        this.#logger.warn({ err, kind: job.kind, rows: job.items.length, retryIn: delay },
          'storage write failed; retrying')
      }
      setTimeout(() => this.#attempt(job, failures + 1, done), delay).unref()
    })
  }

  /** Initialises storage once; a failed init is tried again by the next caller. */
  ready (): Promise<void> {
    if (this.#ready === null) {
      const ready = this.#ready = this.#storage.init()
      ready.catch(() => { if (this.#ready === ready) this.#ready = null })
    }
    return this.#ready
  }

  async #write (job: Job): Promise<void> {
    await this.ready()
    switch (job.kind) {
      case 'executions': return this.#storage.writeExecutions(job.items)
      case 'tasks': return this.#storage.writeTaskResults(job.items)
      case 'spans': return this.#storage.writeSpans(job.items)
      case 'logs': return this.#storage.writeLogs(job.items)
    }
  }

  #written (job: Job): void {
    const n = job.items.length
    this.#stats.batchesWritten++
    switch (job.kind) {
      case 'spans': this.#stats.spansWritten += n; this.#pending -= n; break
      case 'logs': this.#stats.logsWritten += n; this.#pending -= n; break
      default: this.#stats.recordsWritten += n
    }
  }

  #lose (job: Job): void {
    const n = job.items.length
    this.#stats.lost += n
    if (job.kind === 'spans' || job.kind === 'logs') this.#pending -= n
    if (job.kind === 'executions' || job.kind === 'tasks') {
      const ids = job.items.map(r => 'id' in r ? r.id : `${r.executionId}/${r.taskId}`)
      this.#logger.error({ kind: job.kind, ids }, 'storage unavailable at close: these records were not written')
    }
  }

  #reportLost (): void {
    const { spans, logs } = { spans: this.#spans.length, logs: this.#logs.length }
    this.#logger.error({ pending: this.#pending, spans, logs },
      'close() timed out waiting for storage; unwritten records are reported and dropped')
  }
}
