/**
 * The scheduler: turns ready tasks into worker messages and outcomes into the
 * next ready tasks. It owns the Piscina pool, the slots of shared state, the
 * retry timers and the timeout watchdog.
 *
 *   execute ─▶ roots ready ─▶ readyExecs (round robin over executions)
 *                                 │ pump(): while a slot is free
 *                                 ▼
 *              batch = ready tasks of one execution (+ chain successors),
 *                      sized by the measured run time of their handlers
 *                                 │ pool.run(message)  ── one message per batch
 *                                 ▼
 *   onDone(outcomes) ─▶ success: dependents whose deps all succeeded become ready
 *                     ─▶ failure: retry after backoff, or fail and skip dependents
 *
 * At most two batches per thread are in flight: one running, one waiting in
 * Piscina's queue to start the moment a worker answers. Everything else waits
 * here, so the scheduler, not the pool, decides the order of work.
 */
import { Piscina } from 'piscina'
import type { Logger } from 'pino'
import { ErrorCodes, type ErrorInfo } from '../errors.js'
import { Execution, TaskState, type Batch } from './execution.js'
import type { EventBus } from '../event-bus.js'
import { Fifo } from './fifo.js'
import type { Plan } from '../workflow/planner.js'
import type { Recorder } from '../telemetry/recorder.js'
import { retryDelay } from './backoff.js'
import { createSharedState, journalRead, sharedViews, type SharedViews } from './shared-state.js'
import { ExecutionTelemetry, now } from '../telemetry/execution-telemetry.js'
import { Watchdog } from './watchdog.js'
import { clonePacket, toStorageBytes, UNDEFINED_PACKET, type Packet } from './wire.js'
import type { BatchMessage, BatchResponse, BatchTask, HandlerProblem, TaskOutcome } from './worker.js'
import { validateHandlers } from './handler-validation.js'
import type { ResolvedEngineOptions } from '../options.js'

const kWorkerFile = new URL('./worker.js', import.meta.url)
// How often, and after how long, the journals of running batches are read.
const kSweepInterval = 20

export interface SchedulerStats {
  tasksDispatched: number
  batchesDispatched: number
  tasksInFlight: number
  peakTasksInFlight: number
  tasksQueued: number
  workerRestarts: number
}

export class Scheduler {
  readonly pool: Piscina
  readonly #options: ResolvedEngineOptions
  readonly #recorder: Recorder
  readonly #events: EventBus
  readonly #logger: Logger
  readonly #views: SharedViews
  readonly #freeSlots: number[] = []
  readonly #controllers: Array<AbortController | undefined> = []
  readonly #readyExecs = new Fifo<Execution>()
  /** Ready tasks across executions. */
  #readyCount = 0
  #inFlightTasks = 0
  readonly #watchdog: Watchdog
  // Batches of several tasks in flight: the journal sweep looks at them.
  readonly #multi = new Set<Batch>()
  #sweep: NodeJS.Timeout | null = null
  // Run-time estimate per handler (ms), by handler slot; -1 until measured.
  #estimates = new Float64Array(16).fill(-1)
  readonly #handlerSlots = new Map<string, number>()
  readonly #planSlots = new WeakMap<Plan, Int32Array>()
  readonly #telemetry: ExecutionTelemetry
  #tasksDispatched = 0
  #batchesDispatched = 0
  #peakTasksInFlight = 0
  #workerRestarts = 0
  /** Tasks accepted and not finished, for the bounded queue (maxQueuedTasks). */
  pendingTasks = 0

  /** Called when an execution reaches a terminal state. */
  onFinished: (exec: Execution) => void = () => {}

  constructor (options: ResolvedEngineOptions, recorder: Recorder, events: EventBus, logger: Logger) {
    this.#options = options
    this.#recorder = recorder
    this.#events = events
    this.#logger = logger
    this.#telemetry = new ExecutionTelemetry(recorder, logger, options.executionLogLevel)
    // Two batches per thread: while a worker runs one, the next waits in Piscina's
    // queue, and Piscina hands it over as soon as the worker answers, without waiting
    // for this thread to process the answer. Deadlines still count from when a task
    // starts (shared memory), so a batch waiting there does not run out its timeout.
    const slots = options.threads * 2
    const shared = createSharedState(slots)
    this.#views = sharedViews(shared)
    this.#watchdog = new Watchdog(this.#views, batch => {
      this.#telemetry.log(batch.exec, batch.exec.plan.ids[batch.tasks[0]], 'warn', `timed out after ${batch.timeout} ms; stopping its worker`)
      this.#stopBatch(batch, 'timeout')
    })
    for (let s = slots - 1; s >= 0; s--) this.#freeSlots.push(s)
    this.pool = new Piscina({
      filename: kWorkerFile.href,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: options.idleTimeout,
      concurrentTasksPerWorker: 1,
      resourceLimits: options.resourceLimits,
      execArgv: options.execArgv,
      workerData: { shared, typescript: options.typescript }
    })
    // A worker that dies between tasks has no task to fail; Piscina replaces it.
    this.pool.on('error', (err: Error) => {
      this.#workerRestarts++
      this.#logger.warn({ err }, 'a worker thread died between tasks and was replaced')
    })
  }

  /** Loads every handler in a worker; resolves with the problems found. */
  validateHandlers (specs: string[]): Promise<HandlerProblem[]> {
    return validateHandlers(this.pool, specs, this.#options.handlerLoadTimeout)
  }

  /** Starts an execution: its roots become ready (or, on resume, the tasks whose deps are done). */
  start (exec: Execution): void {
    const { plan } = exec
    for (let i = 0; i < plan.size; i++) {
      if (exec.state[i] === TaskState.Pending && exec.remaining[i] === 0) this.#markReady(exec, i, exec.startedAt)
    }
    this.#maybeFinish(exec)
    this.pump()
  }

  stats (): SchedulerStats {
    return {
      tasksDispatched: this.#tasksDispatched,
      batchesDispatched: this.#batchesDispatched,
      tasksInFlight: this.#inFlightTasks,
      peakTasksInFlight: this.#peakTasksInFlight,
      tasksQueued: this.pendingTasks,
      workerRestarts: this.#workerRestarts
    }
  }

  #slotsOf (plan: Plan): Int32Array {
    let slots = this.#planSlots.get(plan)
    if (slots === undefined) {
      slots = new Int32Array(plan.size)
      for (let i = 0; i < plan.size; i++) {
        let slot = this.#handlerSlots.get(plan.handlers[i])
        if (slot === undefined) {
          slot = this.#handlerSlots.size
          this.#handlerSlots.set(plan.handlers[i], slot)
          if (slot >= this.#estimates.length) {
            const grown = new Float64Array(this.#estimates.length * 2).fill(-1)
            grown.set(this.#estimates)
            this.#estimates = grown
          }
        }
        slots[i] = slot
      }
      this.#planSlots.set(plan, slots)
    }
    return slots
  }

  #markReady (exec: Execution, i: number, at: number): void {
    exec.state[i] = TaskState.Ready
    exec.readyAt[i] = at
    exec.ready.push(i)
    this.#readyCount++
    if (!exec.queued) {
      exec.queued = true
      this.#readyExecs.push(exec)
    }
  }

  /** Sends batches while a slot is free and tasks are ready. */
  pump (): void {
    const maxConcurrency = this.#options.maxConcurrency
    while (this.#freeSlots.length > 0 && this.#inFlightTasks < maxConcurrency) {
      const exec = this.#readyExecs.shift()
      if (exec === undefined) return
      exec.queued = false
      if (exec.status !== 'running' || exec.ready.length === 0) continue
      const batch = this.#buildBatch(exec)
      if (exec.ready.length > 0) {
        exec.queued = true
        this.#readyExecs.push(exec)
      }
      this.#send(batch)
    }
  }

  #buildBatch (exec: Execution): Batch {
    const { plan } = exec
    const slots = this.#slotsOf(plan)
    const o = this.#options
    const tasks: number[] = []
    const first = exec.ready.shift()!
    this.#readyCount--
    tasks.push(first)
    let timeout = plan.timeouts[first]
    if (timeout === 0) {
      // Fill up to the time budget and the concurrency bound. Independent ready tasks are
      // also capped at a fair share of the ready work, so that other threads get some;
      // chain successors are not, since nothing else could run them sooner.
      let share = Math.ceil((this.#readyCount + 1) / this.#freeSlots.length) - 1
      const limit = Math.min(o.maxBatchSize, o.maxConcurrency - this.#inFlightTasks)
      let budget = o.batchTargetMs - this.#estimate(slots[first])
      let last = first
      while (tasks.length < limit && budget > 0) {
        // A chain successor first: it needs only the task just added.
        const next = plan.chainNext[last]
        if (next !== -1 && exec.state[next] === TaskState.Pending && exec.remaining[next] === 1) {
          exec.state[next] = TaskState.InFlight
          tasks.push(next)
          budget -= this.#estimate(slots[next])
          last = next
          continue
        }
        const candidate = exec.ready.peek()
        if (share <= 0 || candidate === undefined || plan.timeouts[candidate] !== 0) break
        exec.ready.shift()
        this.#readyCount--
        share--
        tasks.push(candidate)
        budget -= this.#estimate(slots[candidate])
        last = candidate
      }
    }
    const slot = this.#freeSlots.pop()!
    // One controller per slot, replaced only once it has aborted: a batch is the slot's
    // only user while it is in flight, and Piscina removes its listener when it settles.
    let controller = this.#controllers[slot]
    if (controller === undefined || controller.signal.aborted) controller = this.#controllers[slot] = new AbortController()
    return { exec, slot, tasks, controller, timeout, sentAt: 0, journalSeen: 0, early: null, stopped: null, settled: false }
  }

  #estimate (slot: number): number {
    const e = this.#estimates[slot]
    // Unknown handlers count as a full budget: they go alone until measured.
    return e < 0 ? this.#options.batchTargetMs : e
  }

  #send (batch: Batch): void {
    const { exec, tasks, slot } = batch
    const { plan } = exec
    const storeOutputs = this.#options.storeOutputs
    let transfer: ArrayBuffer[] | undefined
    const wire: BatchTask[] = new Array(tasks.length)
    const t = batch.sentAt = now()
    for (let b = 0; b < tasks.length; b++) {
      const i = tasks[b]
      exec.state[i] = TaskState.InFlight
      const attempt = ++exec.attempts[i]
      const depIdx = plan.deps[i]
      const deps: BatchTask['deps'] = new Array(depIdx.length)
      for (let d = 0; d < depIdx.length; d++) {
        const dep = depIdx[d]
        const local = b > 0 && exec.state[dep] === TaskState.InFlight ? tasks.indexOf(dep) : -1
        if (local !== -1) {
          deps[d] = [plan.ids[dep], local]
          continue
        }
        let packet = exec.outputs[dep]!
        if (packet.oob !== null) {
          if (--exec.consumersLeft[dep] > 0 || (!storeOutputs && plan.retry[i].maxAutoRetries > 0)) {
            // This consumer gets a copy of its own, made here once and then moved, not copied again.
            packet = clonePacket(packet)
            ;(transfer ??= []).push(...packet.oob!)
          } else if (packet.oob[0].byteLength === 0 && exec.stored[dep] !== undefined) {
            // Transferred to an earlier attempt of this consumer: rebuild from the stored copy.
            packet = { bytes: exec.stored[dep]!, oob: null }
          } else {
            (transfer ??= []).push(...packet.oob)
          }
        }
        deps[d] = [plan.ids[dep], packet]
      }
      wire[b] = { index: i, taskId: plan.ids[i], handler: plan.handlers[i], attempt, params: plan.params[i], deps }
      // The first task of a batch starts as the batch is sent; the others are announced
      // with their outcome, when their start is known (and only if they ran).
      if (b === 0 && this.#events.has('task.started')) {
        this.#events.emit('task.started', { executionId: exec.id, workflowId: exec.workflowId, taskId: plan.ids[i], attempt, time: t })
      }
    }
    exec.running += tasks.length
    exec.batches.add(batch)
    this.#inFlightTasks += tasks.length
    this.#tasksDispatched += tasks.length
    this.#batchesDispatched++
    if (this.#inFlightTasks > this.#peakTasksInFlight) this.#peakTasksInFlight = this.#inFlightTasks
    Atomics.store(this.#views.cancel, slot, 0)
    Atomics.store(this.#views.current, slot, -1)
    Atomics.store(this.#views.journalUsed, slot, 0)
    this.#views.started[slot] = 0
    const message: BatchMessage = { slot, executionId: exec.id, workflowId: exec.workflowId, input: exec.input, tasks: wire }
    this.pool.run(message, { signal: batch.controller.signal, transferList: transfer as never })
      .then((response: BatchResponse) => this.#onDone(batch, response), (err: unknown) => this.#onError(batch, err))
    if (batch.timeout !== 0) {
      this.#watchdog.add(batch)
    }
    if (tasks.length > 1) {
      this.#multi.add(batch)
      if (this.#sweep === null) {
        this.#sweep = setInterval(this.#sweepJournals, kSweepInterval, this)
        this.#sweep.unref()
      }
    }
  }

  // A batch that runs long must not hold back what it already finished: settle those
  // tasks from the journal, so that their dependents start on other threads and their
  // records reach storage now (a killed process then loses only the running task).
  #sweepJournals (self: Scheduler): void {
    if (self.#multi.size === 0) {
      clearInterval(self.#sweep!)
      self.#sweep = null
      return
    }
    const old = now() - kSweepInterval
    let settled = false
    for (const batch of self.#multi) {
      if (batch.sentAt > old || batch.exec.status !== 'running') continue
      const { entries, end } = journalRead(self.#views, batch.slot, batch.journalSeen)
      batch.journalSeen = end
      for (const entry of entries) {
        settled = self.#settleFromJournal(batch, entry.index, entry.start, entry.end, entry.bytes) || settled
      }
      if (batch.exec.status === 'running') self.#maybeFinish(batch.exec)
    }
    if (settled) self.pump()
  }

  #settleFromJournal (batch: Batch, b: number, start: number, end: number, bytes: Uint8Array): boolean {
    const early = batch.early ??= new Uint8Array(batch.tasks.length)
    if (early[b] === 1) return false
    early[b] = 1
    const { exec } = batch
    const i = batch.tasks[b]
    exec.running--
    this.#inFlightTasks--
    if (b > 0 && this.#events.has('task.started')) {
      this.#events.emit('task.started', { executionId: exec.id, workflowId: exec.workflowId, taskId: exec.plan.ids[i], attempt: exec.attempts[i], time: start })
    }
    const packet = bytes.length === UNDEFINED_PACKET.bytes.length && Buffer.compare(bytes, UNDEFINED_PACKET.bytes) === 0
      ? UNDEFINED_PACKET
      : { bytes, oob: null }
    this.#taskSucceeded(exec, i, { status: 0, output: packet, error: null, start, end, logs: null }, this.#views.thread[batch.slot])
    return true
  }

  #release (batch: Batch): void {
    const { exec, tasks } = batch
    batch.settled = true
    exec.batches.delete(batch)
    this.#multi.delete(batch)
    // Tasks settled early from the journal were taken off these counts then.
    let left = tasks.length
    if (batch.early !== null) for (let b = 0; b < batch.early.length; b++) left -= batch.early[b]
    exec.running -= left
    this.#inFlightTasks -= left
    this.#freeSlots.push(batch.slot)
    if (batch.timeout !== 0) this.#watchdog.delete(batch)
  }

  // A task of a batch that did not run: ready again if its dependencies allow, skipped if one failed.
  #requeue (exec: Execution, i: number, at: number): void {
    const deps = exec.plan.deps[i]
    for (let d = 0; d < deps.length; d++) {
      if (exec.state[deps[d]] === TaskState.Failed) {
        exec.state[i] = TaskState.Pending
        this.#skipDependents(exec, deps[d])
        return
      }
    }
    if (exec.remaining[i] === 0) this.#markReady(exec, i, at)
    else exec.state[i] = TaskState.Pending
  }

  #onDone (batch: Batch, response: BatchResponse): void {
    this.#release(batch)
    const { exec, tasks } = batch
    if (exec.status === 'running') {
      const slots = this.#slotsOf(exec.plan)
      const { outcomes, threadId } = response
      for (let b = 0; b < tasks.length; b++) {
        const i = tasks[b]
        const outcome = outcomes[b]
        if (batch.early?.[b] === 1) {
          // Settled from the journal while the batch ran; only its log lines are new.
          if (outcome.logs !== null) this.#telemetry.workerLogs(exec, i, outcome.logs)
          continue
        }
        if (outcome.status === 2) {
          // Not run: the worker stopped the batch before it (see worker.ts), or the task
          // before it in the chain failed. It goes again when its dependency allows.
          exec.attempts[i]--
          this.#requeue(exec, i, now())
          continue
        }
        if (b > 0 && this.#events.has('task.started')) {
          this.#events.emit('task.started', { executionId: exec.id, workflowId: exec.workflowId, taskId: exec.plan.ids[i], attempt: exec.attempts[i], time: outcome.start })
        }
        const run = outcome.end - outcome.start
        const slot = slots[i]
        const e = this.#estimates[slot]
        this.#estimates[slot] = e < 0 ? run : e * 0.8 + run * 0.2
        if (outcome.logs !== null) this.#telemetry.workerLogs(exec, i, outcome.logs)
        if (batch.stopped === 'timeout') {
          this.#taskFailed(exec, i, outcome, timeoutError(exec.plan.timeouts[i]), threadId)
        } else if (outcome.status === 0) {
          this.#taskSucceeded(exec, i, outcome, threadId)
        } else {
          this.#taskFailed(exec, i, outcome, outcome.error!, threadId)
        }
      }
      this.#maybeFinish(exec)
    }
    this.pump()
  }

  #onError (batch: Batch, err: unknown): void {
    const current = Atomics.load(this.#views.current, batch.slot)
    this.#release(batch)
    const { exec, tasks } = batch
    if (exec.status === 'running') {
      const at = now()
      const started = this.#views.started[batch.slot]
      if (batch.stopped !== 'timeout') {
        // Finished before the worker died: their outputs survived in the journal.
        for (const entry of journalRead(this.#views, batch.slot, batch.journalSeen).entries) {
          if (entry.index === current) continue
          this.#settleFromJournal(batch, entry.index, entry.start, entry.end, entry.bytes)
          // Counted in #release already: give back what #settleFromJournal took off again.
          exec.running++
          this.#inFlightTasks++
        }
      }
      for (let b = 0; b < tasks.length; b++) {
        const i = tasks[b]
        if (batch.early?.[b] === 1) continue
        if (b !== current && batch.stopped !== 'timeout') {
          // Not to blame, but lost with the worker. A task after the culprit never ran and
          // its attempt is given back; one before it ran and its output died with the
          // worker, so it runs again and the attempt counts (see README, Limits).
          if (b > current && current !== -1) exec.attempts[i]--
          else this.#telemetry.log(exec, exec.plan.ids[i], 'warn', 'ran in a batch whose worker died afterwards; its output was lost and it runs again', exec.attempts[i])
          this.#requeue(exec, i, at)
          continue
        }
        const error = batch.stopped === 'timeout' ? timeoutError(exec.plan.timeouts[i]) : crashError(err)
        const outcome: TaskOutcome = { status: 1, output: null, error, start: started || at, end: at, logs: null }
        this.#taskFailed(exec, i, outcome, error, -1)
      }
      if (batch.stopped !== 'timeout') {
        this.#workerRestarts++
        this.#telemetry.log(exec, undefined, 'warn', `worker thread died: ${(err as Error)?.message ?? String(err)}`)
      }
      this.#maybeFinish(exec)
    }
    this.pump()
  }

  #taskSucceeded (exec: Execution, i: number, outcome: TaskOutcome, threadId: number): void {
    const { plan } = exec
    const packet = outcome.output!
    exec.state[i] = TaskState.Success
    exec.outputs[i] = packet
    if (this.#options.storeOutputs) exec.stored[i] = toStorageBytes(packet)
    exec.errors[i] = null
    exec.taskStart[i] = outcome.start
    exec.taskEnd[i] = outcome.end
    exec.succeeded++
    exec.settled++
    exec.updatedAt = outcome.end
    this.pendingTasks--
    this.#telemetry.span(exec, i, outcome.start, outcome.end, threadId, null)
    this.#recorder.recordTask(exec.taskRecord(i))
    if (this.#events.has('task.completed')) {
      this.#events.emit('task.completed', {
        executionId: exec.id, workflowId: exec.workflowId, taskId: plan.ids[i], attempt: exec.attempts[i], duration: outcome.end - outcome.start, time: outcome.end
      })
    }
    const dependents = plan.dependents[i]
    for (let d = 0; d < dependents.length; d++) {
      const j = dependents[d]
      if (--exec.remaining[j] === 0) {
        if (exec.state[j] === TaskState.Pending) this.#markReady(exec, j, outcome.end)
        else if (exec.state[j] === TaskState.InFlight) exec.readyAt[j] = outcome.end
      }
    }
  }

  #taskFailed (exec: Execution, i: number, outcome: TaskOutcome, error: ErrorInfo, threadId: number): void {
    const { plan } = exec
    const taskId = plan.ids[i]
    const attempt = exec.attempts[i]
    const policy = plan.retry[i]
    exec.taskStart[i] = outcome.start
    exec.taskEnd[i] = outcome.end
    exec.errors[i] = error
    exec.updatedAt = outcome.end
    this.#telemetry.span(exec, i, outcome.start, outcome.end, threadId, error)
    if (error.retryable !== false && attempt <= policy.maxAutoRetries) {
      const delay = retryDelay(policy, attempt)
      exec.state[i] = TaskState.RetryWait
      exec.retryTimers.set(i, setTimeout(this.#retry, delay, this, exec, i))
      this.#telemetry.log(exec, taskId, 'warn', `attempt ${attempt} failed (${error.code}: ${error.message}); retrying in ${Math.round(delay)} ms`, attempt)
      if (this.#events.has('task.retrying')) {
        this.#events.emit('task.retrying', { executionId: exec.id, workflowId: exec.workflowId, taskId, attempt, error, delay, time: outcome.end })
      }
      return
    }
    exec.state[i] = TaskState.Failed
    exec.failed++
    exec.settled++
    this.pendingTasks--
    exec.error ??= { ...error, taskId }
    this.#recorder.recordTask(exec.taskRecord(i))
    this.#telemetry.log(exec, taskId, 'error', `failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${error.code}: ${error.message}`, attempt)
    if (this.#events.has('task.failed')) {
      this.#events.emit('task.failed', { executionId: exec.id, workflowId: exec.workflowId, taskId, attempt, error, duration: outcome.end - outcome.start, time: outcome.end })
    }
    this.#skipDependents(exec, i)
  }

  // Dependents of a failed task can never run: mark them skipped, transitively.
  #skipDependents (exec: Execution, failed: number): void {
    const { plan } = exec
    const stack = [failed]
    const reason = `dependency "${plan.ids[failed]}" failed`
    while (stack.length > 0) {
      const dependents = plan.dependents[stack.pop()!]
      for (let d = 0; d < dependents.length; d++) {
        const j = dependents[d]
        if (exec.state[j] !== TaskState.Pending) continue
        exec.state[j] = TaskState.Skipped
        exec.errors[j] = { code: ErrorCodes.DEPENDENCY_FAILED, message: reason }
        exec.skipped++
        exec.settled++
        this.pendingTasks--
        this.#recorder.recordTask(exec.taskRecord(j))
        if (this.#events.has('task.skipped')) {
          this.#events.emit('task.skipped', { executionId: exec.id, workflowId: exec.workflowId, taskId: plan.ids[j], reason, time: exec.updatedAt })
        }
        stack.push(j)
      }
    }
  }

  // setTimeout passes (scheduler, exec, task) as arguments: no closure per retry.
  #retry (self: Scheduler, exec: Execution, i: number): void {
    exec.retryTimers.delete(i)
    if (exec.status !== 'running') return
    self.#markReady(exec, i, now())
    self.pump()
  }

  #maybeFinish (exec: Execution): void {
    if (exec.status !== 'running' || exec.settled < exec.plan.size) return
    exec.status = exec.failed > 0 ? 'failed' : 'success'
    this.#finish(exec)
  }

  /**
   * Ends a running execution early: cancellation, the caller's signal, or the
   * execution timeout. Tasks in flight are asked to stop (ctx.signal) and their
   * workers terminated after the grace period.
   */
  stop (exec: Execution, code: string, message: string): void {
    if (exec.status !== 'running') return
    exec.status = code === ErrorCodes.EXECUTION_TIMEOUT ? 'failed' : 'cancelled'
    exec.error = { code, message }
    for (const timer of exec.retryTimers.values()) clearTimeout(timer)
    exec.retryTimers.clear()
    this.#readyCount -= exec.ready.length
    exec.ready.clear()
    const at = now()
    const error = { code, message }
    for (const batch of exec.batches) {
      // The attempt running in each batch (or, before the worker got to it, the first
      // one sent) gets its span, ended by the stop.
      const current = Atomics.load(this.#views.current, batch.slot)
      const i = batch.tasks[current === -1 ? 0 : current]
      exec.taskStart[i] = (current === -1 ? 0 : this.#views.started[batch.slot]) || batch.sentAt
      this.#telemetry.span(exec, i, exec.taskStart[i], at, -1, error)
    }
    for (let i = 0; i < exec.plan.size; i++) {
      const s = exec.state[i]
      if (s === TaskState.Success || s === TaskState.Failed || s === TaskState.Skipped) continue
      exec.state[i] = TaskState.Cancelled
      exec.errors[i] = error
      if (s === TaskState.InFlight) exec.taskEnd[i] = at
      exec.settled++
      this.pendingTasks--
      this.#recorder.recordTask(exec.taskRecord(i))
    }
    exec.updatedAt = at
    for (const batch of exec.batches) this.#stopBatch(batch, 'cancel')
    this.#finish(exec)
  }

  #stopBatch (batch: Batch, why: 'timeout' | 'cancel'): void {
    if (batch.stopped !== null) return
    batch.stopped = why
    Atomics.store(this.#views.cancel, batch.slot, 1)
    setTimeout(abortBatch, this.#options.cancelGracePeriod, batch).unref()
  }

  #finish (exec: Execution): void {
    exec.endedAt = exec.updatedAt = Math.max(exec.updatedAt, now())
    this.onFinished(exec)
  }

  /** Lines and spans about executions. */
  get telemetry (): ExecutionTelemetry {
    return this.#telemetry
  }

  async close (): Promise<void> {
    this.#watchdog.close()
    if (this.#sweep !== null) clearInterval(this.#sweep)
    await this.pool.destroy()
  }
}

function abortBatch (batch: Batch): void {
  // Piscina terminates the worker running an aborted task. A batch that has answered
  // meanwhile must not abort its slot's controller: the slot may carry another batch now.
  if (!batch.settled) batch.controller.abort()
}

function timeoutError (timeout: number): ErrorInfo {
  return { code: ErrorCodes.TASK_TIMEOUT, message: `task timed out after ${timeout} ms; its worker was terminated` }
}

function crashError (err: unknown): ErrorInfo {
  const e = err as { code?: string, message?: string } | undefined
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: ErrorCodes.RESOURCE_LIMITS, message: `worker ran out of memory (resourceLimits): ${e.message}`, retryable: false }
  }
  return { code: ErrorCodes.WORKER_CRASHED, message: `worker thread died while running the task: ${e?.message ?? String(err)}` }
}
