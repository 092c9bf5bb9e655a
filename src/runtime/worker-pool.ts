/**
 * The Piscina pool and everything that speaks to it: slots of shared memory
 * (one per batch in flight) and their cancel flags, the timeout watchdog,
 * reading the outcomes workers publish, stopping a batch (its worker terminated
 * when it does not stop by itself), and the errors of a worker that died or was
 * stopped.
 *
 *   scheduler ─acquire(exec, tasks)─▶ Batch (a free slot) ─send(message)─▶ Piscina ─▶ worker
 *        ▲                                                                    │
 *        └── done(batch, answer) / failed(batch, err) / sweep(batch) ◀─────────┘
 *            outcomes read from the slot: status, times, output bytes
 *
 * Two slots per thread: while a worker runs one batch, the next waits in
 * Piscina's queue, and Piscina hands it over as soon as the worker answers,
 * without waiting for the main thread to process the answer. Deadlines still
 * count from when a task starts (shared memory), so a batch waiting there does
 * not run out its timeout.
 */
import { kDigestBytes } from '../wire/digest.js'
import { isCacheStorage } from '../storage/cache-storage.js'
import { Piscina } from 'piscina'
import type { Logger } from 'pino'
import { ErrorCodes, type ErrorInfo } from '../errors.js'
import type { ResolvedEngineOptions } from '../options.js'
import type { BatchAnswer } from '../wire/batch-format.js'
import type { Encoded } from './batch-encoder.js'
import type { Execution } from './execution.js'
import type { Batch } from './batch.js'

export type { Batch } from './batch.js'
import { createSharedState, kInboxBytes, kInboxInts, kOutputInAnswer, resetSlot, sharedViews, type SharedViews } from '../wire/shared-state.js'
import { now } from '../clock.js'
import { Watchdog } from './watchdog.js'
import { validateHandlers } from './handler-validation.js'
import type { HandlerProblem } from '../wire/batch-format.js'

// The CommonJS build of worker.ts: Piscina require()s its worker file before it tries
// import(), and on Node 20.19+ a require() of the ES module build loads it synchronously
// (require(esm)). That path aborted the whole process twice in our shuffled suite
// ("FATAL ERROR: v8::Module::IsGraphAsync ... must be used on an instantiated module" in
// module_job runSync); the CommonJS build never takes it.
const kWorkerFile = new URL('./worker.cjs', import.meta.url)
// How often, and after how long, the outcomes of running batches are read.
const kSweepInterval = 20


/** What the pool tells its owner. */
export interface PoolListener {
  /** The worker answered: every position below `finished(batch)` has its outcome in the slot. */
  batchDone (batch: Batch, answer: BatchAnswer | null): void
  /** The worker died or was terminated (timeout, cancellation) before it answered. */
  batchFailed (batch: Batch, err: unknown): void
  /** The task of a batch with a timeout ran past it. */
  batchTimedOut (batch: Batch): void
  /** A batch still runs; outcomes may have been published since `batch.seen`. Returns true if it settled any. */
  sweep (batch: Batch): boolean
  /** After a sweep that settled tasks. */
  swept (): void
}

export class WorkerPool {
  readonly #piscina: Piscina
  readonly #views: SharedViews
  readonly #listener: PoolListener
  readonly #logger: Logger
  readonly #grace: number
  readonly #loadTimeout: number
  readonly #free: number[] = []
  readonly #watchdog: Watchdog
  // Batches of several tasks in flight: the sweep looks at them.
  readonly #multi = new Set<Batch>()
  #sweep: NodeJS.Timeout | null = null
  #restarts = 0

  constructor (options: ResolvedEngineOptions, listener: PoolListener, logger: Logger) {
    this.#listener = listener
    this.#logger = logger
    this.#grace = options.cancelGracePeriod
    this.#loadTimeout = options.handlerLoadTimeout
    const slots = options.threads * 2
    const shared = createSharedState(slots, options.maxBatchSize)
    this.#views = sharedViews(shared, slots, options.maxBatchSize)
    this.#watchdog = new Watchdog(this.#views, listener)
    for (let s = slots - 1; s >= 0; s--) this.#free.push(s)
    this.#piscina = new Piscina({
      filename: kWorkerFile.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: options.idleTimeout,
      concurrentTasksPerWorker: 1,
      resourceLimits: options.resourceLimits,
      execArgv: options.execArgv,
      workerData: {
        shared,
        slots,
        maxBatch: options.maxBatchSize,
        typescript: options.typescript,
        maxCachedBytes: isCacheStorage(options.storage) ? options.storage.maxCachedBytes : 0
      }
    })
    // A worker that dies between tasks has no task to fail; Piscina replaces it.
    this.#piscina.on('error', (err: Error) => {
      this.#restarts++
      this.#logger.warn({ err }, 'a worker thread died between tasks and was replaced')
    })
  }

  /** Slots free for a batch. */
  get freeSlots (): number { return this.#free.length }
  /** Workers that died (and were replaced). */
  get restarts (): number { return this.#restarts }

  /** Loads every handler in a worker; resolves with the problems found. */
  validateHandlers (specs: string[]): Promise<HandlerProblem[]> {
    return validateHandlers(this.#piscina, specs, this.#loadTimeout)
  }

  /** Takes a free slot for a batch of `tasks` (there must be one: see freeSlots). */
  acquire (exec: Execution, tasks: Int32Array, timeout: number): Batch {
    const slot = this.#free.pop()!
    return { exec, slot, tasks, timeout, sentAt: 0, early: null, seen: 0, settled: false, stopped: null }
  }

  /** Sends a batch: its integers and bytes go into the slot's inbox when they fit, else with the message. */
  send (batch: Batch, encoded: Encoded): void {
    const { message, ints, bytes } = encoded
    const views = this.#views
    const slot = batch.slot
    resetSlot(views, slot)
    const lease = batch.exec.leaseUntil
    if (lease !== Infinity) views.lease[slot] = lease
    let transfer = encoded.transfer
    if (ints.length <= kInboxInts && bytes.length <= kInboxBytes) {
      views.inboxInts.set(ints, slot * kInboxInts)
      views.inboxBytes.set(bytes, slot * kInboxBytes)
    } else {
      message.ints = ints.slice()
      message.bytes = bytes.slice()
      ;(transfer ??= []).push(message.ints.buffer as ArrayBuffer, message.bytes.buffer as ArrayBuffer)
    }
    batch.sentAt = now()
    // No AbortSignal: Piscina's listener on it costs more per batch than the rest of the
    // send, and stop() terminates the worker itself (see below).
    this.#piscina.run(message, transfer === null ? undefined : { transferList: transfer as never })
      .then((answer: BatchAnswer | null) => this.#done(batch, answer), (err: unknown) => this.#failed(batch, err))
    if (batch.timeout !== 0) this.#watchdog.add(batch)
    if (batch.tasks.length > 1) {
      this.#multi.add(batch)
      if (this.#sweep === null) {
        this.#sweep = setInterval(sweep, kSweepInterval, this)
        this.#sweep.unref()
      }
    }
  }

  #done (batch: Batch, answer: BatchAnswer | null): void {
    this.#release(batch)
    this.#listener.batchDone(batch, answer)
  }

  #failed (batch: Batch, err: unknown): void {
    this.#release(batch)
    if (batch.stopped === null) this.#restarts++
    this.#listener.batchFailed(batch, err)
  }

  // The slot stays readable until the listener returns: it is reused only by a later send.
  #release (batch: Batch): void {
    batch.settled = true
    this.#multi.delete(batch)
    if (batch.timeout !== 0) this.#watchdog.delete(batch)
    this.#free.push(batch.slot)
  }

  /** @internal the sweep timer */
  sweepNow (): void {
    if (this.#multi.size === 0) {
      clearInterval(this.#sweep!)
      this.#sweep = null
      return
    }
    const old = now() - kSweepInterval
    let settled = false
    for (const batch of this.#multi) {
      if (batch.sentAt > old) continue
      if (Atomics.load(this.#views.done, batch.slot) > batch.seen) settled = this.#listener.sweep(batch) || settled
    }
    if (settled) this.#listener.swept()
  }

  // --- outcomes in the slot ---------------------------------------------------------

  /**
   * The slot's outcome table, to read many positions without a call each: position b
   * is at `info[(base + b) * 3]` (status, output offset, output length) and
   * `times[(base + b) * 2]` (start, end), with `base` from outcomeBase(batch).
   */
  get outcomeInfo (): Int32Array { return this.#views.info }
  get outcomeTimes (): Float64Array { return this.#views.times }
  outcomeBase (batch: Batch): number { return batch.slot * this.#views.maxBatch }

  /** Positions of the batch whose outcome is published. */
  finished (batch: Batch): number { return Atomics.load(this.#views.done, batch.slot) }
  status (batch: Batch, b: number): number { return this.#views.info[(batch.slot * this.#views.maxBatch + b) * 3] }
  start (batch: Batch, b: number): number { return this.#views.times[(batch.slot * this.#views.maxBatch + b) * 2] }
  end (batch: Batch, b: number): number { return this.#views.times[(batch.slot * this.#views.maxBatch + b) * 2 + 1] }
  /** Output length of position b: bytes in the slot, 0 for undefined, kOutputInAnswer when the answer has it. */
  outputLength (batch: Batch, b: number): number { return this.#views.info[(batch.slot * this.#views.maxBatch + b) * 3 + 2] }
  outputOffset (batch: Batch, b: number): number { return this.#views.info[(batch.slot * this.#views.maxBatch + b) * 3 + 1] }
  /** The digest the worker published for the output of position b (a view: copy it before the slot is reused). */
  digest (batch: Batch, b: number): Uint8Array {
    const at = (batch.slot * this.#views.maxBatch + b) * kDigestBytes
    return this.#views.digests.subarray(at, at + kDigestBytes)
  }
  /** The worker thread that ran the batch. */
  thread (batch: Batch): number { return this.#views.thread[batch.slot] }
  /** Position of the task running in the batch, -1 when none (or not yet). */
  current (batch: Batch): number { return Atomics.load(this.#views.current, batch.slot) }
  /** When the running task started, 0 when none has. */
  startedAt (batch: Batch): number { return this.#views.started[batch.slot] }

  /**
   * One copy of the output bytes of positions [from, to): the slot's memory is reused
   * by the next batch. Returns the copy and the slot offset it starts at.
   */
  copyOutputs (batch: Batch, from: number, to: number): { bytes: Uint8Array, base: number } | null {
    const v = this.#views
    let lo = Infinity
    let hi = 0
    for (let b = from; b < to; b++) {
      const k = (batch.slot * v.maxBatch + b) * 3
      const length = v.info[k + 2]
      if (length <= 0 || v.info[k] !== 0) continue
      if (v.info[k + 1] < lo) lo = v.info[k + 1]
      if (v.info[k + 1] + length > hi) hi = v.info[k + 1] + length
    }
    if (lo === Infinity) return null
    const at = batch.slot * v.dataSize
    return { bytes: v.data.slice(at + lo, at + hi), base: lo }
  }

  /**
   * Stops a batch: `ctx.signal` aborts now, the worker skips the tasks it has not
   * started, and one still running a task of the batch after the grace period is
   * terminated (Piscina then fails the batch and starts a new worker).
   */
  /** Moves the end of the lease a batch in flight runs under (see Execution.lease). */
  lease (batch: Batch, until: number): void {
    this.#views.lease[batch.slot] = until
  }

  stop (batch: Batch, why: 'timeout' | 'cancel'): void {
    if (batch.stopped !== null) return
    batch.stopped = why
    Atomics.store(this.#views.cancel, batch.slot, 1)
    setTimeout(terminateStopped, this.#grace, this, batch).unref()
  }

  /** @internal the grace period of a stopped batch ended */
  terminateIfRunning (batch: Batch): void {
    // Answered meanwhile, or between two tasks: the worker has let go of it (or soon will).
    if (batch.settled || Atomics.load(this.#views.current, batch.slot) === -1) return
    const threadId = this.#views.thread[batch.slot]
    for (const worker of this.#piscina.threads) {
      if (worker.threadId === threadId) {
        void worker.terminate()
        return
      }
    }
  }

  async close (): Promise<void> {
    this.#watchdog.close()
    if (this.#sweep !== null) clearInterval(this.#sweep)
    await this.#piscina.destroy()
  }
}

function sweep (pool: WorkerPool): void {
  pool.sweepNow()
}

function terminateStopped (pool: WorkerPool, batch: Batch): void {
  pool.terminateIfRunning(batch)
}

export { kOutputInAnswer }

export function timeoutError (timeout: number): ErrorInfo {
  return { code: ErrorCodes.TASK_TIMEOUT, message: `task timed out after ${timeout} ms; its worker was terminated` }
}

export function crashError (err: unknown): ErrorInfo {
  const e = err as { code?: string, message?: string } | undefined
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: ErrorCodes.RESOURCE_LIMITS, message: `worker ran out of memory (resourceLimits): ${e.message}`, retryable: false }
  }
  return { code: ErrorCodes.WORKER_CRASHED, message: `worker thread died while running the task: ${e?.message ?? String(err)}` }
}
