/**
 * What a worker reports about a batch, applied to its execution: successes
 * (their dependents become ready), failures (a retry after backoff, or the
 * end of the task and its dependents), tasks that did not run (back in the
 * queue), and the blame when a worker dies. Transitions go through Execution;
 * what they mean to the outside goes through Lifecycle. The scheduler reads the
 * effect on its queue from the execution afterwards (ready and settled counts).
 *
 *   slot table: status, times, output ─▶ done(batch)     the whole batch, when it answered
 *                                   └──▶ finished(batch) what it finished while it runs
 *   worker died or was stopped ───────▶ failed(batch)
 */
import type { ErrorInfo } from '../errors.js'
import { isRetryable, retryDelay } from './backoff.js'
import { Outcome, type BatchAnswer } from '../wire/batch-format.js'
import type { Batcher } from './batcher.js'
import { now } from '../clock.js'
import type { CommitGate } from './commit-gate.js'
import type { Execution } from './execution.js'
import type { Lifecycle } from './lifecycle.js'
import type { RetryTimers } from './retry-timers.js'
import { kPacketOutput } from './task-outputs.js'
import { crashError, kOutputInAnswer, timeoutError, type Batch, type WorkerPool } from './worker-pool.js'
import type { ResultCache } from './result-cache.js'

type Copy = { bytes: Uint8Array, base: number } | null

export class Settler {
  readonly #pool: WorkerPool
  readonly #batcher: Batcher
  readonly #lifecycle: Lifecycle
  readonly #retries: RetryTimers
  readonly #gate: CommitGate | null
  readonly #cache: ResultCache
  readonly #skipped: number[] = []
  // Tasks that succeeded in the batch being read: recorded together at its end.
  readonly #won: Int32Array
  #wonCount = 0

  constructor (pool: WorkerPool, batcher: Batcher, lifecycle: Lifecycle, retries: RetryTimers, gate: CommitGate | null, maxBatch: number, cache: ResultCache) {
    this.#pool = pool
    this.#batcher = batcher
    this.#lifecycle = lifecycle
    this.#retries = retries
    this.#gate = gate
    this.#won = new Int32Array(maxBatch)
    this.#cache = cache
  }

  /** The worker answered: every outcome not settled early is applied. */
  done (batch: Batch, answer: BatchAnswer | null): void {
    const { exec, tasks } = batch
    const pool = this.#pool
    const finished = pool.finished(batch)
    const copy = pool.copyOutputs(batch, batch.seen, finished)
    const thread = pool.thread(batch)
    const info = pool.outcomeInfo
    const times = pool.outcomeTimes
    const base = pool.outcomeBase(batch)
    const logs = answer?.logs ?? null
    const early = batch.early
    this.#wonCount = 0
    for (let b = 0; b < tasks.length; b++) {
      const i = tasks[b]
      if (logs !== null && logs[b] !== null) this.#lifecycle.workerLogs(exec, i, logs[b]!)
      if (early !== null && early[b] === 1) continue
      const status = b < finished ? info[(base + b) * 3] : Outcome.NotRun
      if (status === Outcome.NotRun) {
        // The worker stopped the batch before it, or a dependency of it in the batch
        // failed. It goes again when its dependency allows; its attempt is given back.
        this.#requeue(exec, i, false)
        continue
      }
      const start = times[(base + b) * 2]
      const end = times[(base + b) * 2 + 1]
      if (b > 0 && this.#lifecycle.startsWanted) this.#lifecycle.taskStarted(exec, i, start)
      this.#batcher.measured(exec.plan, exec.template[i], end - start, exec.mapIndex[i])
      if (batch.stopped === 'timeout') {
        this.#failed(exec, i, start, end, timeoutError(exec.plan.timeouts[exec.template[i]]), thread)
      } else if (status === Outcome.Success) {
        this.#succeeded(batch, b, start, end, copy, answer)
      } else {
        this.#failed(exec, i, start, end, answer!.errors![b]!, thread)
      }
    }
    this.#lifecycle.tasksSucceeded(exec, this.#won, this.#wonCount, thread)
  }

  /**
   * Settles the successes the worker published since `batch.seen` (but `skip`, and none
   * from `upTo` on), before the batch ends: their dependents start on other threads,
   * their records reach storage. Returns how many it settled.
   */
  finished (batch: Batch, skip: number, upTo = batch.tasks.length): number {
    const { exec } = batch
    const pool = this.#pool
    const from = batch.seen
    const finished = Math.min(pool.finished(batch), upTo)
    const copy = pool.copyOutputs(batch, from, finished)
    const thread = pool.thread(batch)
    this.#wonCount = 0
    for (let b = from; b < finished; b++) {
      if (b === skip || pool.status(batch, b) !== Outcome.Success || pool.outputLength(batch, b) === kOutputInAnswer) continue
      ;(batch.early ??= new Uint8Array(batch.tasks.length))[b] = 1
      const start = pool.start(batch, b)
      const end = pool.end(batch, b)
      if (b > 0 && this.#lifecycle.startsWanted) this.#lifecycle.taskStarted(exec, batch.tasks[b], start)
      this.#batcher.measured(exec.plan, exec.template[batch.tasks[b]], end - start, exec.mapIndex[batch.tasks[b]])
      this.#succeeded(batch, b, start, end, copy, null)
    }
    const settled = this.#wonCount
    this.#lifecycle.tasksSucceeded(exec, this.#won, settled, thread)
    batch.seen = finished
    return settled
  }

  /**
   * The worker died, or was terminated after a stop. The task running then is to
   * blame; if none was (it died between tasks, or the batch never reached a task),
   * the first one without an outcome is, so that a batch failing again and again
   * uses up that task's retries. Returns how many tasks it settled early first.
   */
  failed (batch: Batch, err: unknown): number {
    const pool = this.#pool
    let current = pool.current(batch)
    if (current === -1 && batch.stopped === null) current = Math.min(pool.finished(batch), batch.tasks.length - 1)
    const { exec, tasks } = batch
    if (exec.status !== 'running') return 0
    // Finished before the worker died: their outputs survived in the slot. The task it
    // died in is to blame even if it had published its outcome (a timer that threw after).
    const early = batch.stopped === null ? this.finished(batch, current) : 0
    const at = now()
    const started = pool.startedAt(batch)
    const finished = pool.finished(batch)
    for (let b = 0; b < tasks.length; b++) {
      const i = tasks[b]
      if (batch.early?.[b] === 1) continue
      if (b !== current && batch.stopped !== 'timeout') {
        // Not to blame, but lost with the worker. A task after the culprit (or one that
        // did not run) is given its attempt back; one before it ran and its outcome died
        // with the worker, so it runs again and the attempt counts (see README, Limits).
        const ran = b < finished ? pool.status(batch, b) !== Outcome.NotRun : current !== -1 && b < current
        if (ran) this.#lifecycle.taskLog(exec, i, 'warn', 'ran in a batch whose worker died afterwards; its output was lost and it runs again')
        this.#requeue(exec, i, ran)
        continue
      }
      const error = batch.stopped === 'timeout' ? timeoutError(exec.plan.timeouts[exec.template[i]]) : crashError(err)
      this.#failed(exec, i, started || at, at, error, -1)
    }
    if (batch.stopped !== 'timeout') {
      this.#lifecycle.log(exec, undefined, 'warn', `worker thread died: ${(err as Error)?.message ?? String(err)}`)
    }
    return early
  }

  #succeeded (batch: Batch, b: number, start: number, end: number, copy: Copy, answer: BatchAnswer | null): void {
    const pool = this.#pool
    const { exec } = batch
    const i = batch.tasks[b]
    const length = pool.outputLength(batch, b)
    const held = exec.heldLength
    if (length === kOutputInAnswer) {
      // A task that others are mapped over: its elements, serialised in the worker.
      const input = answer!.maps?.[b]
      if (input != null) exec.setMapInput(i, input)
      const packet = answer!.packets![b]!
      if (packet.oob === null) exec.succeed(i, start, end, packet.bytes, 0, packet.bytes.length)
      else exec.succeed(i, start, end, packet, 0, kPacketOutput)
    } else if (length === 0) {
      exec.succeed(i, start, end, null, 0, 0)
    } else {
      exec.succeed(i, start, end, copy!.bytes, pool.outputOffset(batch, b) - copy!.base, length)
    }
    this.#cache.succeeded(exec, i, pool.digest(batch, b))
    // Spans and records of a batch's successes go to the recorder in one call.
    this.#won[this.#wonCount++] = i
    if (this.#lifecycle.completionsWanted) this.#lifecycle.taskCompleted(exec, i)
    if (exec.heldLength > held) this.#gate!.hold(exec, exec.heldLength - held)
  }

  #failed (exec: Execution, i: number, start: number, end: number, error: ErrorInfo, thread: number): void {
    exec.attemptFailed(i, start, end, error)
    const policy = exec.plan.retry[exec.template[i]]
    const attempt = exec.attempts[i]
    const retryable = isRetryable(error, policy)
    // Recorded, so that the result says why the task was not retried.
    if (!retryable) error.retryable = false
    if (retryable && attempt <= policy.maxAutoRetries) {
      const delay = retryDelay(policy, attempt)
      exec.waitRetry(i)
      this.#retries.schedule(exec, i, delay)
      this.#lifecycle.taskRetrying(exec, i, thread, delay)
      return
    }
    this.#lifecycle.taskFailed(exec, i, thread, exec.fail(i))
    this.#cache.failed(exec, i)
  }

  // A task of a batch that did not run: ready again, pending, or skipped (a dependency failed).
  #requeue (exec: Execution, i: number, attemptCounts: boolean): void {
    const skipped = this.#skipped
    skipped.length = 0
    exec.requeue(i, now(), attemptCounts, skipped)
    if (skipped.length > 0) this.#lifecycle.tasksSkipped(exec, skipped)
  }
}
