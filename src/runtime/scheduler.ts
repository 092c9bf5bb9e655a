/**
 * The scheduler: the ready queue, the pump, and where each outcome goes.
 *
 *   start(exec) ─▶ ranks (TaskRanks) ─▶ roots ready ─▶ executions with ready tasks
 *                                   │ pump(): while a slot is free, by execution
 *                                   ▼ priority, then round robin (ExecutionTurns)
 *                 Batcher: best ready tasks of one execution (+ what follows them)
 *                 BatchEncoder: one message ─▶ WorkerPool ─▶ worker
 *                                   │
 *   batchDone / sweep ◀─────────────┘ outcomes read from the slot (Settler)
 *     success ─▶ dependents whose dependencies all succeeded become ready
 *     failure ─▶ retry after backoff (RetryTimers), or fail and skip the dependents
 *
 * At most two batches per thread are in flight (the pool's slots); everything
 * else waits here, so the scheduler, not the pool, decides the order of work.
 * Within an execution the ready tasks are ranked (critical-path scheduling, the
 * default: see Execution.rankWith and TaskRanks) or first in, first out.
 * Transitions go through Execution's methods; what they mean to the outside
 * (events, spans, records) goes through Lifecycle.
 */
import type { Logger } from 'pino'
import { ErrorCodes } from '../errors.js'
import type { ResolvedEngineOptions } from '../options.js'
import type { BatchAnswer, HandlerProblem } from '../wire/batch-format.js'
import { BatchEncoder } from './batch-encoder.js'
import { Batcher, type BatchLimits } from './batcher.js'
import { now } from '../clock.js'
import type { Execution } from './execution.js'
import { ExecutionTurns } from './execution-turns.js'
import { RunEstimates } from './run-estimates.js'
import { TaskRanks } from './task-ranks.js'
import { performance } from 'node:perf_hooks'
import type { Lifecycle } from './lifecycle.js'
import { RetryTimers, type RetryListener } from './retry-timers.js'
import { Settler } from './settler.js'
import { WorkerPool, type Batch, type PoolListener } from './worker-pool.js'
import { largeValueCopies } from '../copy-count.js'
import { CommitGate, type GateListener, type GroupCommit } from './commit-gate.js'
import type { SchedulerStats } from '../stats.js'
import type { CacheListener, ResultCache } from './result-cache.js'
import type { CachedResult } from '../storage/cache-storage.js'
import type { Plan } from '../workflow/planner.js'
import type { EstimatedPath } from '../workflow/stage-plan.js'

/** Told when an execution has reached a final state and its result is made. */
interface SchedulerListener {
  executionFinished (exec: Execution): void
}


export class Scheduler implements PoolListener, GateListener, RetryListener, CacheListener {
  readonly #options: ResolvedEngineOptions
  readonly #lifecycle: Lifecycle
  readonly #listener: SchedulerListener
  readonly #pool: WorkerPool
  readonly #batcher: Batcher
  // Strict durability only: dependents wait for the results they need to be committed.
  readonly #gate: CommitGate | null
  // Strict durability: the caller hears of the end once the execution's final record is committed.
  readonly #commit: GroupCommit | null
  readonly #encoder = new BatchEncoder()
  // Executions with ready tasks, each at most once (priority, then round robin).
  readonly #execs = new ExecutionTurns()
  // Critical-path scheduling: ranks each execution's tasks when it starts; null for FIFO.
  readonly #ranks: TaskRanks | null
  // The same over the same estimates, for the estimated critical path whatever the scheduling.
  readonly #paths: TaskRanks
  // Executions whose next batch would have waited behind another (see pump): queued again after.
  readonly #passed: Execution[] = []
  readonly #queued = new Set<Execution>()
  readonly #inFlight = new Set<Batch>()
  readonly #retries: RetryTimers
  readonly #settler: Settler
  readonly #cache: ResultCache
  readonly #take: Int32Array
  readonly #limits: BatchLimits = { readyTotal: 0, freeThreads: 0, concurrencyLeft: 0, queued: false }
  // Threads without a batch while tasks are ready, since #idleSince (performance.now()).
  #idleThreads = 0
  #idleSince = 0
  #idleWhileReadyMs = 0
  #readyBefore = 0
  #settledBefore = 0
  #sizeBefore = 0
  #readyTotal = 0
  #pendingTasks = 0
  #inFlightTasks = 0
  #tasksDispatched = 0
  #batchesDispatched = 0
  #peakTasksInFlight = 0

  /** `commit`: the recorder's group commit, for strict durability (`durability: 'task'`). */
  constructor (options: ResolvedEngineOptions, lifecycle: Lifecycle, listener: SchedulerListener, logger: Logger, commit: GroupCommit, cache: ResultCache) {
    this.#options = options
    this.#lifecycle = lifecycle
    this.#listener = listener
    const strict = options.durability === 'task'
    this.#gate = strict ? new CommitGate(commit, this) : null
    this.#commit = strict ? commit : null
    const estimates = new RunEstimates()
    const ranked = options.scheduling === 'critical-path'
    this.#paths = new TaskRanks(estimates)
    this.#ranks = ranked ? this.#paths : null
    this.#batcher = new Batcher(options.batchTargetMs, options.maxBatchSize, !strict, estimates, ranked)
    this.#take = new Int32Array(options.maxBatchSize)
    this.#pool = new WorkerPool(options, this, logger)
    this.#retries = new RetryTimers(this)
    this.#cache = cache
    cache.listen(this)
    this.#settler = new Settler(this.#pool, this.#batcher, lifecycle, this.#retries, this.#gate, options.maxBatchSize, cache)
  }

  /** Tasks accepted and not finished, across executions (the bound of maxQueuedTasks). */
  get pendingTasks (): number { return this.#pendingTasks }

  /** Loads every handler in a worker; resolves with the problems found. */
  validateHandlers (specs: string[]): Promise<HandlerProblem[]> {
    return this.#pool.validateHandlers(specs)
  }

  /**
   * Starts an execution: its roots become ready (or, on resume, the tasks whose deps are done).
   * Accounts `exec`'s tasks and dispatches its roots. `held`: nothing is dispatched,
   * for an execution stopped before it starts (a signal aborted already, a queued one
   * cancelled before it started): a task sent now could finish in its worker before
   * the stop reads the slot.
   */
  start (exec: Execution, held = false): void {
    if (this.#ranks !== null) exec.rankWith(this.#ranks)
    exec.readyRoots(exec.startedAt)
    // After readyRoots: a resume may have expanded maps, with instances done already.
    this.#pendingTasks += exec.size - exec.settled
    this.#readyTotal += exec.readyLength
    this.#lifecycle.mapsChanged(exec)
    if (held) return
    this.#enqueue(exec)
    this.#maybeFinish(exec)
    this.pump()
  }

  /** The longest chain of `plan` by the run times measured so far (unmeasured handlers as typical ones). */
  estimatedCriticalPath (plan: Plan): EstimatedPath {
    const { tasks, ms } = this.#paths.criticalPath(plan)
    const estimates = this.#batcher.estimates
    let measured = true
    for (const t of tasks) if (estimates.estimateOf(plan, t) < 0) measured = false
    return { taskIds: tasks.map(t => plan.ids[t]), ms, measured }
  }

  stats (): SchedulerStats {
    const copies = largeValueCopies()
    return {
      tasksDispatched: this.#tasksDispatched,
      batchesDispatched: this.#batchesDispatched,
      tasksInFlight: this.#inFlightTasks,
      peakTasksInFlight: this.#peakTasksInFlight,
      tasksQueued: this.#pendingTasks,
      threadsBusy: Math.min(this.#options.threads, this.#inFlight.size),
      threadIdleWhileReadyMs: this.#idleWhileReadyMs + (this.#idleThreads === 0 ? 0 : this.#idleThreads * (performance.now() - this.#idleSince)),
      workerRestarts: this.#pool.restarts,
      largeValueCopies: copies.count,
      largeValueCopyBytes: copies.bytes
    }
  }

  #enqueue (exec: Execution): void {
    // Cached tasks that became ready ask the cache first: no slot needed for that.
    if (exec.lookupLength > 0) this.#cache.lookUp(exec)
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
    this.#fill()
    const passed = this.#passed
    if (passed.length > 0) {
      for (let k = 0; k < passed.length; k++) this.#enqueue(passed[k])
      passed.length = 0
    }
    this.#countIdle()
  }

  // Threads without a batch while a task is ready (and maxConcurrency allows one more):
  // their time adds up from one change to the next. No clock read while there are none.
  #countIdle (): void {
    const threads = this.#options.threads
    const idle = this.#readyTotal > 0 && this.#inFlightTasks < this.#options.maxConcurrency && this.#inFlight.size < threads
      ? threads - this.#inFlight.size
      : 0
    if (idle === 0 && this.#idleThreads === 0) return
    const at = performance.now()
    if (this.#idleThreads > 0) this.#idleWhileReadyMs += this.#idleThreads * (at - this.#idleSince)
    this.#idleThreads = idle
    this.#idleSince = at
  }

  #fill (): void {
    const maxConcurrency = this.#options.maxConcurrency
    const threads = this.#options.threads
    const slots = threads * 2
    const limits = this.#limits
    while (this.#pool.freeSlots > 0 && this.#inFlightTasks < maxConcurrency) {
      const exec = this.#execs.shift()
      if (exec === undefined) return
      this.#queued.delete(exec)
      if (exec.status !== 'running' || exec.readyLength === 0) continue
      const lease = exec.leaseUntil
      if (lease !== Infinity && lease < Date.now()) {
        // Its queue lock may be another instance's by now: nothing more of it starts here.
        this.stop(exec, ErrorCodes.EXECUTION_LOST, `execution ${exec.id}: this instance's queue lock on it expired (lease ended ${new Date(lease).toISOString()})`)
        continue
      }
      const before = exec.readyLength
      limits.readyTotal = this.#readyTotal
      limits.freeThreads = (this.#pool.freeSlots + 1) >> 1
      limits.concurrencyLeft = maxConcurrency - this.#inFlightTasks
      // Every thread has a batch: this one would wait in the pool's queue behind one.
      limits.queued = slots - this.#pool.freeSlots >= threads
      const count = this.#batcher.take(exec, this.#take, limits)
      if (count === 0) {
        // Its best task is long: it waits for a free thread rather than behind a batch.
        this.#passed.push(exec)
        continue
      }
      this.#readyTotal -= before - exec.readyLength
      this.#enqueue(exec)
      this.#dispatch(exec, this.#take.slice(0, count))
    }
  }

  #dispatch (exec: Execution, tasks: Int32Array): void {
    const batch = this.#pool.acquire(exec, tasks, exec.plan.timeouts[exec.template[tasks[0]]])
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

  // What the settler changed in an execution, taken into the scheduler's counts.
  #before (exec: Execution): void {
    this.#readyBefore = exec.readyLength
    this.#settledBefore = exec.settled
    this.#sizeBefore = exec.size
  }

  // Maps that expanded added their instances to the tasks to do.
  #counted (exec: Execution): void {
    this.#readyTotal += exec.readyLength - this.#readyBefore
    this.#pendingTasks += exec.size - this.#sizeBefore - (exec.settled - this.#settledBefore)
    this.#lifecycle.mapsChanged(exec)
  }

  #after (exec: Execution): void {
    this.#counted(exec)
    this.#enqueue(exec)
    this.#maybeFinish(exec)
  }

  /** @internal PoolListener: the worker answered. */
  batchDone (batch: Batch, answer: BatchAnswer | null): void {
    this.#landed(batch)
    const { exec } = batch
    if (exec.status === 'running') {
      this.#before(exec)
      this.#settler.done(batch, answer)
      this.#after(exec)
    }
    this.pump()
  }

  /** @internal PoolListener: a batch that runs long must not hold back what it finished. */
  sweep (batch: Batch): boolean {
    const { exec } = batch
    if (exec.status !== 'running') return false
    this.#before(exec)
    // Never the batch's last position: that one is settled with the answer, so that an
    // execution does not end while a batch of it is still out with the pool.
    const settled = this.#settler.finished(batch, -1, batch.tasks.length - 1)
    this.#inFlightTasks -= settled
    this.#after(exec)
    return settled > 0
  }

  /** @internal PoolListener */
  swept (): void {
    this.pump()
  }

  /** @internal PoolListener: the worker died, or was terminated after a stop. */
  batchFailed (batch: Batch, err: unknown): void {
    const { exec } = batch
    if (exec.status === 'running') {
      this.#before(exec)
      this.#inFlightTasks -= this.#settler.failed(batch, err)
      this.#landed(batch)
      this.#after(exec)
    } else {
      this.#landed(batch)
    }
    this.pump()
  }

  /** @internal RetryListener: task i waited out its retry delay. */
  retryDue (exec: Execution, i: number): void {
    if (exec.status !== 'running') return
    exec.markReady(i, now())
    this.#readyTotal++
    this.#enqueue(exec)
    this.pump()
  }

  /** @internal PoolListener */
  batchTimedOut (batch: Batch): void {
    const { exec } = batch
    this.#lifecycle.taskLog(exec, batch.tasks[0], 'warn', `timed out after ${batch.timeout} ms; stopping its worker`)
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
    this.#readyTotal += count
    this.#enqueue(exec)
    if (count > 0) this.pump()
  }

  /** @internal CacheListener: hits succeed with their stored outputs, misses are ready to run. */
  cacheAnswered (exec: Execution, hits: number[], entries: CachedResult[], misses: number[]): void {
    if (exec.status !== 'running') return
    this.#before(exec)
    const held = exec.heldLength
    const at = now()
    for (let k = 0; k < hits.length; k++) exec.cacheHit(hits[k], entries[k].bytes, at)
    for (let k = 0; k < misses.length; k++) exec.lookedUp(misses[k])
    if (exec.heldLength > held) this.#gate!.hold(exec, exec.heldLength - held)
    if (hits.length > 0) this.#lifecycle.tasksCached(exec, hits)
    this.#after(exec)
    this.pump()
  }

  /** @internal GateListener: every task of `exec` is final and committed. */
  concluded (exec: Execution): void {
    if (exec.status !== 'running') return
    exec.conclude()
    this.#finish(exec)
  }

  /** Moves the end of an execution's lease, for its batches in flight too. */
  lease (exec: Execution, until: number): void {
    exec.lease(until)
    for (const batch of this.#inFlight) if (batch.exec === exec) this.#pool.lease(batch, until)
  }

  /**
   * Ends a running execution early: cancellation, the caller's signal, or the
   * execution timeout. Tasks in flight are asked to stop (ctx.signal) and their
   * workers terminated after the grace period.
   */
  stop (exec: Execution, code: string, message: string): void {
    if (exec.status !== 'running') return
    // What the workers finished already is kept (a resume then skips it): settled first.
    this.#before(exec)
    for (const batch of this.#inFlight) {
      if (batch.exec === exec) this.#inFlightTasks -= this.#settler.finished(batch, this.#pool.current(batch))
    }
    this.#counted(exec)
    if (exec.complete) {
      // Everything had finished: it ends as it would have, not cancelled.
      this.#maybeFinish(exec)
      return
    }
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
    this.#cache.stopped(exec)
    this.#pendingTasks -= cancelled.length
    this.#lifecycle.tasksCancelled(exec, cancelled)
    for (const batch of batches) this.#pool.stop(batch, 'cancel')
    this.#finish(exec)
  }

  #finish (exec: Execution): void {
    this.#retries.clear(exec)
    const result = exec.finish(now(), this.#commit === null)
    this.#lifecycle.executionFinished(exec, result)
    this.#listener.executionFinished(exec)
    // A caller that saw success must find success in storage, even if this process dies now.
    this.#commit?.whenCommitted(deliver, exec)
  }

  async close (): Promise<void> {
    await this.#pool.close()
  }
}

// Called with false when close() gave up on storage: the result is delivered all the same,
// as close() reports what it could not write.
function deliver (exec: Execution, _committed: boolean): void {
  exec.deliver()
}
