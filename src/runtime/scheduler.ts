/**
 * The scheduler: the ready queue, the pump, and what each outcome changes.
 *
 *   start(exec) ─▶ roots ready ─▶ executions with ready tasks (round robin)
 *                                   │ pump(): while a slot is free
 *                                   ▼
 *                 Batcher: ready tasks of one execution (+ what follows them)
 *                 BatchEncoder: one message ─▶ WorkerPool ─▶ worker
 *                                   │
 *   batchDone / sweep ◀─────────────┘ outcomes read from the slot
 *     success ─▶ dependents whose dependencies all succeeded become ready
 *     failure ─▶ retry after backoff, or fail and skip the dependents
 *
 * At most two batches per thread are in flight (the pool's slots); everything
 * else waits here, so the scheduler, not the pool, decides the order of work.
 * Transitions go through Execution's methods; what they mean to the outside
 * (events, spans, records) goes through Lifecycle.
 */
import type { Logger } from 'pino'
import type { ErrorInfo } from '../errors.js'
import type { ResolvedEngineOptions } from '../options.js'
import { retryDelay } from './backoff.js'
import { Outcome, type BatchAnswer } from './batch-format.js'
import { BatchEncoder } from './batch-encoder.js'
import { Batcher, type BatchLimits } from './batcher.js'
import { now } from './clock.js'
import type { Execution } from './execution.js'
import { Fifo } from './fifo.js'
import { kPacketOutput } from './task-outputs.js'
import type { Lifecycle } from './lifecycle.js'
import { crashError, kOutputInAnswer, timeoutError, WorkerPool, type Batch, type PoolListener } from './worker-pool.js'
import { CommitGate, type GateListener, type GroupCommit } from './commit-gate.js'

export interface SchedulerStats {
  tasksDispatched: number
  batchesDispatched: number
  tasksInFlight: number
  peakTasksInFlight: number
  tasksQueued: number
  workerRestarts: number
}

/** Told when an execution has reached a final state and its result is made. */
export interface SchedulerListener {
  executionFinished (exec: Execution): void
}


export class Scheduler implements PoolListener, GateListener {
  readonly #options: ResolvedEngineOptions
  readonly #lifecycle: Lifecycle
  readonly #listener: SchedulerListener
  readonly #pool: WorkerPool
  readonly #batcher: Batcher
  // Strict durability only: dependents wait for the results they need to be committed.
  readonly #gate: CommitGate | null
  readonly #encoder = new BatchEncoder()
  // Executions with ready tasks, each at most once (round robin).
  readonly #execs = new Fifo<Execution>()
  readonly #queued = new Set<Execution>()
  readonly #inFlight = new Set<Batch>()
  readonly #retryTimers = new Map<Execution, Map<number, NodeJS.Timeout>>()
  readonly #take: Int32Array
  readonly #limits: BatchLimits = { readyTotal: 0, freeThreads: 0, concurrencyLeft: 0 }
  readonly #skipped: number[] = []
  // Tasks that succeeded in the batch being read: recorded together at its end.
  readonly #won: Int32Array
  #wonCount = 0
  #readyTotal = 0
  #pendingTasks = 0
  #inFlightTasks = 0
  #tasksDispatched = 0
  #batchesDispatched = 0
  #peakTasksInFlight = 0

  /** `commit`: the recorder's group commit, for strict durability (`durability: 'task'`). */
  constructor (options: ResolvedEngineOptions, lifecycle: Lifecycle, listener: SchedulerListener, logger: Logger, commit: GroupCommit) {
    this.#options = options
    this.#lifecycle = lifecycle
    this.#listener = listener
    const strict = options.durability === 'task'
    this.#gate = strict ? new CommitGate(commit, this) : null
    this.#batcher = new Batcher(options.batchTargetMs, options.maxBatchSize, !strict)
    this.#take = new Int32Array(options.maxBatchSize)
    this.#won = new Int32Array(options.maxBatchSize)
    this.#pool = new WorkerPool(options, this, logger)
  }

  /** Tasks accepted and not finished, across executions (the bound of maxQueuedTasks). */
  get pendingTasks (): number { return this.#pendingTasks }

  /** Loads every handler in a worker; resolves with the problems found. */
  validateHandlers (specs: string[]): Promise<Array<{ handler: string, code: string, message: string }>> {
    return this.#pool.validateHandlers(specs)
  }

  /** Starts an execution: its roots become ready (or, on resume, the tasks whose deps are done). */
  start (exec: Execution): void {
    this.#pendingTasks += exec.plan.size - exec.settled
    exec.readyRoots(exec.startedAt)
    this.#readyTotal += exec.readyLength
    this.#enqueue(exec)
    this.#maybeFinish(exec)
    this.pump()
  }

  stats (): SchedulerStats {
    return {
      tasksDispatched: this.#tasksDispatched,
      batchesDispatched: this.#batchesDispatched,
      tasksInFlight: this.#inFlightTasks,
      peakTasksInFlight: this.#peakTasksInFlight,
      tasksQueued: this.#pendingTasks,
      workerRestarts: this.#pool.restarts
    }
  }

  #enqueue (exec: Execution): void {
    if (exec.readyLength > 0 && !this.#queued.has(exec)) {
      this.#queued.add(exec)
      this.#execs.push(exec)
    }
  }

  /** Sends batches while a slot is free and tasks are ready. */
  pump (): void {
    // Called after every round of outcomes: with strict durability, what they made
    // ready (or ended) waits for one commit of everything recorded so far.
    this.#gate?.seal()
    const maxConcurrency = this.#options.maxConcurrency
    const limits = this.#limits
    while (this.#pool.freeSlots > 0 && this.#inFlightTasks < maxConcurrency) {
      const exec = this.#execs.shift()
      if (exec === undefined) return
      this.#queued.delete(exec)
      if (exec.status !== 'running' || exec.readyLength === 0) continue
      const before = exec.readyLength
      limits.readyTotal = this.#readyTotal
      limits.freeThreads = (this.#pool.freeSlots + 1) >> 1
      limits.concurrencyLeft = maxConcurrency - this.#inFlightTasks
      const count = this.#batcher.take(exec, this.#take, limits)
      this.#readyTotal -= before - exec.readyLength
      this.#enqueue(exec)
      this.#dispatch(exec, this.#take.slice(0, count))
    }
  }

  #dispatch (exec: Execution, tasks: Int32Array): void {
    const batch = this.#pool.acquire(exec, tasks, exec.plan.timeouts[tasks[0]])
    for (let b = 0; b < tasks.length; b++) exec.dispatch(tasks[b])
    const encoded = this.#encoder.encode(batch)
    this.#inFlight.add(batch)
    this.#inFlightTasks += tasks.length
    this.#tasksDispatched += tasks.length
    this.#batchesDispatched++
    if (this.#inFlightTasks > this.#peakTasksInFlight) this.#peakTasksInFlight = this.#inFlightTasks
    this.#pool.send(batch, encoded)
    // The first task of a batch starts as the batch is sent; the others are announced
    // with their outcome, when their start is known (and only if they ran).
    if (this.#lifecycle.startsWanted) this.#lifecycle.taskStarted(exec, tasks[0], batch.sentAt)
  }

  // Tasks settled early (by the sweep) left the in-flight count then.
  #landed (batch: Batch): void {
    this.#inFlight.delete(batch)
    let left = batch.tasks.length
    if (batch.early !== null) for (let b = 0; b < batch.early.length; b++) left -= batch.early[b]
    this.#inFlightTasks -= left
  }

  /** @internal PoolListener: the worker answered. */
  batchDone (batch: Batch, answer: BatchAnswer | null): void {
    this.#landed(batch)
    const { exec, tasks } = batch
    if (exec.status === 'running') {
      const before = exec.settled
      const pool = this.#pool
      const finished = pool.finished(batch)
      const copy = pool.copyOutputs(batch, batch.seen, finished)
      const thread = pool.thread(batch)
      this.#wonCount = 0
      const info = pool.outcomeInfo
      const times = pool.outcomeTimes
      const base = pool.outcomeBase(batch)
      const logs = answer?.logs ?? null
      const early = batch.early
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
        this.#batcher.measured(exec.plan, i, end - start)
        if (batch.stopped === 'timeout') {
          this.#failed(exec, i, start, end, timeoutError(exec.plan.timeouts[i]), thread)
        } else if (status === Outcome.Success) {
          this.#succeeded(batch, b, start, end, copy, answer)
        } else {
          this.#failed(exec, i, start, end, answer!.errors![b]!, thread)
        }
      }
      this.#recordWon(exec, thread)
      this.#pendingTasks -= exec.settled - before
      this.#maybeFinish(exec)
    }
    this.pump()
  }

  #succeeded (batch: Batch, b: number, start: number, end: number, copy: { bytes: Uint8Array, base: number } | null, answer: BatchAnswer | null): void {
    const pool = this.#pool
    const { exec } = batch
    const i = batch.tasks[b]
    const length = pool.outputLength(batch, b)
    const held = exec.heldLength
    let ready: number
    if (length === kOutputInAnswer) {
      const packet = answer!.packets![b]!
      ready = packet.oob === null
        ? exec.succeed(i, start, end, packet.bytes, 0, packet.bytes.length)
        : exec.succeed(i, start, end, packet, 0, kPacketOutput)
    } else if (length === 0) {
      ready = exec.succeed(i, start, end, null, 0, 0)
    } else {
      ready = exec.succeed(i, start, end, copy!.bytes, pool.outputOffset(batch, b) - copy!.base, length)
    }
    if (ready > 0) {
      this.#readyTotal += ready
      this.#enqueue(exec)
    }
    // Spans and records of a batch's successes go to the recorder in one call (#recordWon).
    this.#won[this.#wonCount++] = i
    if (this.#lifecycle.completionsWanted) this.#lifecycle.taskCompleted(exec, i)
    if (exec.heldLength > held) this.#gate!.hold(exec, exec.heldLength - held)
  }

  #recordWon (exec: Execution, thread: number): void {
    this.#lifecycle.tasksSucceeded(exec, this.#won, this.#wonCount, thread)
    this.#wonCount = 0
  }

  #failed (exec: Execution, i: number, start: number, end: number, error: ErrorInfo, thread: number): void {
    exec.attemptFailed(i, start, end, error)
    const policy = exec.plan.retry[i]
    const attempt = exec.attempts[i]
    if (error.retryable !== false && attempt <= policy.maxAutoRetries) {
      const delay = retryDelay(policy, attempt)
      exec.waitRetry(i)
      let timers = this.#retryTimers.get(exec)
      if (timers === undefined) this.#retryTimers.set(exec, timers = new Map())
      // setTimeout passes (scheduler, exec, task) as arguments: no closure per retry.
      timers.set(i, setTimeout(retryTask, delay, this, exec, i))
      this.#lifecycle.taskRetrying(exec, i, thread, delay)
      return
    }
    this.#lifecycle.taskFailed(exec, i, thread, exec.fail(i))
  }

  /** @internal the retry timer of task i */
  retryNow (exec: Execution, i: number): void {
    this.#retryTimers.get(exec)?.delete(i)
    if (exec.status !== 'running') return
    exec.markReady(i, now())
    this.#readyTotal++
    this.#enqueue(exec)
    this.pump()
  }

  // A task of a batch that did not run: ready again, pending, or skipped (a dependency failed).
  #requeue (exec: Execution, i: number, attemptCounts: boolean): void {
    const skipped = this.#skipped
    skipped.length = 0
    if (exec.requeue(i, now(), attemptCounts, skipped)) {
      this.#readyTotal++
      this.#enqueue(exec)
    }
    if (skipped.length > 0) this.#lifecycle.tasksSkipped(exec, skipped)
  }

  /** @internal PoolListener: a batch that runs long must not hold back what it finished. */
  sweep (batch: Batch): boolean {
    return this.#settleFinished(batch, -1)
  }

  // Settles the successes the worker published since `batch.seen` (but `skip`), before
  // the batch ends: their dependents start on other threads, their records reach storage.
  #settleFinished (batch: Batch, skip: number): boolean {
    const { exec } = batch
    if (exec.status !== 'running') return false
    const pool = this.#pool
    const from = batch.seen
    const finished = pool.finished(batch)
    const copy = pool.copyOutputs(batch, from, finished)
    const thread = pool.thread(batch)
    const before = exec.settled
    this.#wonCount = 0
    for (let b = from; b < finished; b++) {
      if (b === skip || pool.status(batch, b) !== Outcome.Success || pool.outputLength(batch, b) === kOutputInAnswer) continue
      ;(batch.early ??= new Uint8Array(batch.tasks.length))[b] = 1
      this.#inFlightTasks--
      const start = pool.start(batch, b)
      const end = pool.end(batch, b)
      if (b > 0 && this.#lifecycle.startsWanted) this.#lifecycle.taskStarted(exec, batch.tasks[b], start)
      this.#batcher.measured(exec.plan, batch.tasks[b], end - start)
      this.#succeeded(batch, b, start, end, copy, null)
    }
    this.#recordWon(exec, thread)
    batch.seen = finished
    this.#pendingTasks -= exec.settled - before
    this.#maybeFinish(exec)
    return exec.settled > before
  }

  /** @internal PoolListener */
  swept (): void {
    this.pump()
  }

  /** @internal PoolListener: the worker died, or was terminated after a stop. */
  batchFailed (batch: Batch, err: unknown): void {
    const pool = this.#pool
    // The task running when the worker died is to blame; if none was (it died between
    // tasks, or the batch never reached a task), the first one without an outcome is, so
    // that a batch failing again and again uses up that task's retries, not the pump.
    let current = pool.current(batch)
    if (current === -1 && batch.stopped === null) current = Math.min(pool.finished(batch), batch.tasks.length - 1)
    // Finished before the worker died: their outputs survived in the slot. The task it
    // died in is to blame even if it had published its outcome (a timer that threw after).
    if (batch.stopped === null) this.#settleFinished(batch, current)
    this.#landed(batch)
    const { exec, tasks } = batch
    if (exec.status === 'running') {
      const before = exec.settled
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
          if (ran) this.#lifecycle.log(exec, exec.plan.ids[i], 'warn', 'ran in a batch whose worker died afterwards; its output was lost and it runs again', exec.attempts[i])
          this.#requeue(exec, i, ran)
          continue
        }
        const error = batch.stopped === 'timeout' ? timeoutError(exec.plan.timeouts[i]) : crashError(err)
        this.#failed(exec, i, started || at, at, error, -1)
      }
      if (batch.stopped !== 'timeout') {
        this.#lifecycle.log(exec, undefined, 'warn', `worker thread died: ${(err as Error)?.message ?? String(err)}`)
      }
      this.#pendingTasks -= exec.settled - before
      this.#maybeFinish(exec)
    }
    this.pump()
  }

  /** @internal PoolListener */
  batchTimedOut (batch: Batch): void {
    const { exec } = batch
    this.#lifecycle.log(exec, exec.plan.ids[batch.tasks[0]], 'warn', `timed out after ${batch.timeout} ms; stopping its worker`)
    this.#pool.stop(batch, 'timeout')
  }

  #maybeFinish (exec: Execution): void {
    if (exec.status !== 'running' || !exec.complete) return
    if (this.#gate !== null) {
      // It ends once the records of its last tasks are committed (see concluded).
      if (!this.#gate.ending(exec)) this.#gate.conclude(exec)
      return
    }
    exec.conclude()
    this.#finish(exec)
  }

  /** @internal GateListener: results were committed; the tasks that waited for them are ready. */
  released (exec: Execution, count: number): void {
    if (count === 0) return
    this.#readyTotal += count
    this.#enqueue(exec)
    this.pump()
  }

  /** @internal GateListener: every task of `exec` is final and committed. */
  concluded (exec: Execution): void {
    if (exec.status !== 'running') return
    exec.conclude()
    this.#finish(exec)
  }

  /**
   * Ends a running execution early: cancellation, the caller's signal, or the
   * execution timeout. Tasks in flight are asked to stop (ctx.signal) and their
   * workers terminated after the grace period.
   */
  stop (exec: Execution, code: string, message: string): void {
    if (exec.status !== 'running') return
    this.#readyTotal -= exec.readyLength
    const at = now()
    const error = { code, message }
    const batches: Batch[] = []
    for (const batch of this.#inFlight) {
      if (batch.exec !== exec) continue
      batches.push(batch)
      // The attempt running in each batch (or, before the worker got to it, the first
      // one sent) gets its span, ended by the stop.
      const current = this.#pool.current(batch)
      const i = batch.tasks[current === -1 ? 0 : current]
      const start = (current === -1 ? 0 : this.#pool.startedAt(batch)) || batch.sentAt
      exec.setStart(i, start)
      this.#lifecycle.attemptStopped(exec, i, start, at, error)
    }
    const cancelled = exec.stop(code, message, at)
    this.#pendingTasks -= cancelled.length
    this.#lifecycle.tasksCancelled(exec, cancelled)
    for (const batch of batches) this.#pool.stop(batch, 'cancel')
    this.#finish(exec)
  }

  #finish (exec: Execution): void {
    const timers = this.#retryTimers.get(exec)
    if (timers !== undefined) {
      for (const timer of timers.values()) clearTimeout(timer)
      this.#retryTimers.delete(exec)
    }
    const result = exec.finish(now())
    this.#lifecycle.executionFinished(exec, result)
    this.#listener.executionFinished(exec)
  }

  async close (): Promise<void> {
    await this.#pool.close()
  }
}

function retryTask (scheduler: Scheduler, exec: Execution, i: number): void {
  scheduler.retryNow(exec, i)
}

