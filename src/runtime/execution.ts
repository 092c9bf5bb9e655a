import { ErrorCodes, type ErrorInfo } from '../errors.js'
import type { Plan } from '../workflow/planner.js'
import type { StoredExecution, ExecutionResult, ExecutionStatus, TaskRecord, TaskStatus } from '../types.js'
import type { Packet } from '../wire/values.js'
import { Fifo } from './fifo.js'
import { TaskOutputs } from './task-outputs.js'
import { executionRecordOf, resultOf, taskRecordOf } from './execution-records.js'
import type { TaskSource } from '../storage/storage.js'

/** Who runs an execution and how, fixed when it starts. */
export interface ExecutionContext {
  instanceId: string
  /** Keep output bytes in task records. */
  storeOutputs: boolean
  /** Strict durability: dependents wait for the results they need to be committed. */
  gated: boolean
  /** Start time, epoch ms. */
  now: number
  traceId: string
  rootSpanId: string
  /** W3C trace flags of the execution's trace: 1 when sampled. @default 1 */
  traceFlags?: number
  /** The span the execution was started under (the caller's), if any. */
  parentSpanId?: string
  retryOf?: string
}

/** Per-task state. */
export const enum TaskState { Pending, Ready, InFlight, RetryWait, Success, Failed, Skipped, Cancelled }

const kStatusOf: readonly TaskStatus[] = ['pending', 'pending', 'running', 'pending', 'success', 'failed', 'skipped', 'cancelled']

/**
 * The live state of one execution: what each task is doing, the outputs made so
 * far, and the promise the caller waits on. Per-task state lives in typed arrays
 * (one entry per task, no object per task); it changes only through the
 * transition methods below, which keep the counters that go with it. Other
 * classes read the arrays, never write them.
 */
export class Execution implements TaskSource {
  readonly id: string
  readonly plan: Plan
  /** The execution input, v8-serialised. */
  readonly input: Uint8Array
  readonly instanceId: string
  readonly startedAt: number
  readonly traceId: string
  readonly rootSpanId: string
  readonly traceFlags: number
  readonly parentSpanId: string | undefined
  readonly retryOf: string | undefined
  /** Keep output bytes in task records (history, resume). */
  readonly storeOutputs: boolean
  readonly outputs: TaskOutputs
  #status: ExecutionStatus = 'running'
  #updatedAt: number
  #endedAt = 0
  #error: (ErrorInfo & { taskId?: string }) | undefined

  readonly state: Uint8Array
  /** Dependencies of each task not yet succeeded. */
  readonly remaining: Int32Array
  readonly attempts: Uint16Array
  readonly readyAt: Float64Array
  readonly taskStart: Float64Array
  readonly taskEnd: Float64Array
  #errors: Map<number, ErrorInfo> | null = null
  #reusedFrom: Map<number, string> | null = null
  readonly #ready = new Fifo<number>()
  // With strict durability: tasks whose dependencies succeeded, waiting for those results to be committed.
  readonly #held: Fifo<number> | null
  #settled = 0
  #succeeded = 0
  #failed = 0
  #skipped = 0
  #running = 0
  readonly done: Promise<ExecutionResult>
  #resolve!: (result: ExecutionResult) => void
  #result: ExecutionResult | null = null

  constructor (id: string, plan: Plan, input: Uint8Array, context: ExecutionContext) {
    const n = plan.size
    this.id = id
    this.plan = plan
    this.input = input
    this.instanceId = context.instanceId
    this.startedAt = context.now
    this.#updatedAt = context.now
    this.traceId = context.traceId
    this.rootSpanId = context.rootSpanId
    this.traceFlags = context.traceFlags ?? 1
    this.parentSpanId = context.parentSpanId
    this.retryOf = context.retryOf
    this.storeOutputs = context.storeOutputs
    this.#held = context.gated ? new Fifo<number>() : null
    this.state = new Uint8Array(n)
    this.remaining = plan.depCounts.slice()
    this.attempts = new Uint16Array(n)
    this.readyAt = new Float64Array(n)
    this.taskStart = new Float64Array(n)
    this.taskEnd = new Float64Array(n)
    this.outputs = new TaskOutputs(plan, context.storeOutputs)
    this.done = new Promise(resolve => { this.#resolve = resolve })
  }

  get workflowId (): string { return this.plan.workflow.id }
  get status (): ExecutionStatus { return this.#status }
  get updatedAt (): number { return this.#updatedAt }
  get endedAt (): number { return this.#endedAt }
  get error (): (ErrorInfo & { taskId?: string }) | undefined { return this.#error }
  get settled (): number { return this.#settled }
  get succeeded (): number { return this.#succeeded }
  get failed (): number { return this.#failed }
  get skipped (): number { return this.#skipped }
  get running (): number { return this.#running }
  /** Ready tasks not yet taken. */
  get readyLength (): number { return this.#ready.length }
  /** Tasks held until the results they depend on are committed (strict durability). */
  get heldLength (): number { return this.#held?.length ?? 0 }
  /** Every task has a final state. */
  get complete (): boolean { return this.#settled === this.plan.size }
  /** The result, once finished. */
  get result (): ExecutionResult | null { return this.#result }

  taskStatus (i: number): TaskStatus { return kStatusOf[this.state[i]] }
  errorOf (i: number): ErrorInfo | null { return this.#errors?.get(i) ?? null }
  reusedFromOf (i: number): string | undefined { return this.#reusedFrom?.get(i) }

  // --- transitions -------------------------------------------------------------------

  /** Pending (dependencies done) to Ready. */
  markReady (i: number, at: number): void {
    this.state[i] = TaskState.Ready
    this.readyAt[i] = at
    this.#ready.push(i)
  }

  /** Marks ready every pending task whose dependencies are done (a start or a resume). */
  readyRoots (at: number): void {
    for (let i = 0; i < this.plan.size; i++) {
      if (this.state[i] === TaskState.Pending && this.remaining[i] === 0) this.markReady(i, at)
    }
  }

  /** The first `count` held tasks become ready (the results they wait for are committed): returns how many. */
  releaseHeld (count: number): number {
    let released = 0
    for (let c = 0; c < count; c++) {
      const i = this.#held!.shift()
      if (i === undefined) break
      if (this.state[i] !== TaskState.Ready) continue
      this.#ready.push(i)
      released++
    }
    return released
  }

  /** The oldest ready task, or -1. */
  peekReady (): number { return this.#ready.peek() ?? -1 }
  takeReady (): number { return this.#ready.shift() ?? -1 }

  /** A task is sent to a worker: its attempt begins. */
  dispatch (i: number): void {
    this.state[i] = TaskState.InFlight
    this.#running++
    this.attempts[i]++
  }

  /**
   * A task succeeded with the output at `buf` (see TaskOutputs). Its dependents whose
   * dependencies are now all done become ready; with strict durability they are held
   * instead (see releaseHeld). The scheduler counts what changed from `readyLength`.
   */
  succeed (i: number, start: number, end: number, buf: Uint8Array | Packet | null, offset: number, length: number): void {
    this.state[i] = TaskState.Success
    this.outputs.set(i, buf, offset, length)
    this.#errors?.delete(i)
    this.taskStart[i] = start
    this.taskEnd[i] = end
    this.#succeeded++
    this.#settled++
    this.#running--
    if (end > this.#updatedAt) this.#updatedAt = end
    const { dependentStart, dependentList } = this.plan
    const remaining = this.remaining
    for (let d = dependentStart[i]; d < dependentStart[i + 1]; d++) {
      const j = dependentList[d]
      if (--remaining[j] === 0) {
        if (this.state[j] === TaskState.Pending) {
          if (this.#held === null) {
            this.markReady(j, end)
          } else {
            this.state[j] = TaskState.Ready
            this.readyAt[j] = end
            this.#held.push(j)
          }
        } else if (this.state[j] === TaskState.InFlight) this.readyAt[j] = end
      }
    }
  }

  /** An attempt failed (or was stopped): its times and error, before the retry decision. */
  attemptFailed (i: number, start: number, end: number, error: ErrorInfo): void {
    this.#running--
    this.taskStart[i] = start
    this.taskEnd[i] = end
    ;(this.#errors ??= new Map()).set(i, error)
    if (end > this.#updatedAt) this.#updatedAt = end
  }

  /** The failed attempt is retried later. */
  waitRetry (i: number): void {
    this.state[i] = TaskState.RetryWait
  }

  /**
   * The task failed for good: the execution fails, and every task that depends on
   * it, transitively, is skipped. Returns the skipped tasks.
   */
  fail (i: number): number[] {
    this.state[i] = TaskState.Failed
    this.#failed++
    this.#settled++
    this.#error ??= { ...this.errorOf(i)!, taskId: this.plan.ids[i] }
    return this.#skipDependents(i)
  }

  /**
   * A task of a batch that did not run: ready again if its dependencies allow,
   * pending otherwise; skipped with its dependents when one failed (they are added
   * to `skipped`).
   */
  requeue (i: number, at: number, attemptCounts: boolean, skipped: number[]): void {
    this.#running--
    if (!attemptCounts) this.attempts[i]--
    const deps = this.plan.deps[i]
    for (let d = 0; d < deps.length; d++) {
      if (this.state[deps[d]] === TaskState.Failed) {
        this.state[i] = TaskState.Pending
        skipped.push(...this.#skipDependents(deps[d]))
        return
      }
    }
    if (this.remaining[i] === 0) {
      this.markReady(i, at)
      return
    }
    this.state[i] = TaskState.Pending
  }

  // Dependents of a failed task can never run: skipped, transitively.
  #skipDependents (failed: number): number[] {
    const { plan } = this
    const skipped: number[] = []
    const stack = [failed]
    const error = { code: ErrorCodes.DEPENDENCY_FAILED, message: `dependency "${plan.ids[failed]}" failed` }
    while (stack.length > 0) {
      const dependents = plan.dependents[stack.pop()!]
      for (let d = 0; d < dependents.length; d++) {
        const j = dependents[d]
        if (this.state[j] !== TaskState.Pending) continue
        this.state[j] = TaskState.Skipped
        ;(this.#errors ??= new Map()).set(j, error)
        this.#skipped++
        this.#settled++
        skipped.push(j)
        stack.push(j)
      }
    }
    return skipped
  }

  /**
   * Ends a running execution early (cancellation, timeout): every task without a
   * final state is cancelled. Returns those tasks.
   */
  stop (code: string, message: string, at: number): number[] {
    this.#status = code === ErrorCodes.EXECUTION_TIMEOUT || code === ErrorCodes.EXECUTION_REDELIVERY_LIMIT ? 'failed' : 'cancelled'
    const error = { code, message }
    this.#error = error
    this.#ready.clear()
    this.#held?.clear()
    const cancelled: number[] = []
    for (let i = 0; i < this.plan.size; i++) {
      const s = this.state[i]
      if (s === TaskState.Success || s === TaskState.Failed || s === TaskState.Skipped) continue
      this.state[i] = TaskState.Cancelled
      ;(this.#errors ??= new Map()).set(i, error)
      if (s === TaskState.InFlight) this.taskEnd[i] = at
      this.#settled++
      cancelled.push(i)
    }
    this.#running = 0
    this.#updatedAt = at
    return cancelled
  }

  /** A stopped attempt's start, for its span. */
  setStart (i: number, start: number): void {
    this.taskStart[i] = start
  }

  /** Every task is final: success, or failed when one failed. */
  conclude (): void {
    this.#status = this.#failed > 0 ? 'failed' : 'success'
  }

  /** Records the end and resolves the caller's promise with the result. */
  finish (at: number): ExecutionResult {
    this.#endedAt = this.#updatedAt = Math.max(this.#updatedAt, at)
    const result = this.#result = resultOf(this, true)
    this.#resolve(result)
    return result
  }

  /**
   * Takes the outputs of the tasks that succeeded in an earlier execution (a
   * resume): they count as done here, and their dependents wait only for the rest.
   */
  reuseOutputs (tasks: readonly TaskRecord[], sourceId: string): void {
    const { plan } = this
    for (const task of tasks) {
      const i = plan.index.get(task.taskId)
      if (i === undefined || task.status !== 'success' || task.output === undefined || this.state[i] === TaskState.Success) continue
      this.state[i] = TaskState.Success
      this.outputs.set(i, task.output, 0, task.output.length)
      ;(this.#reusedFrom ??= new Map()).set(i, task.reusedFrom ?? sourceId)
      if (task.startedAt !== undefined) this.taskStart[i] = task.startedAt
      if (task.endedAt !== undefined) this.taskEnd[i] = task.endedAt
      this.#succeeded++
      this.#settled++
      const dependents = plan.dependents[i]
      for (let d = 0; d < dependents.length; d++) this.remaining[dependents[d]]--
    }
  }

  /** The live result: made now, for a running execution. */
  liveResult (): ExecutionResult {
    return this.#result ?? resultOf(this, false)
  }

  // --- TaskSource: storage reads the records of tasks from here -----------------------

  get executionId (): string { return this.id }
  /** Task id of task i (SpanOwner). */
  taskIdOf (i: number): string { return this.plan.ids[i] }
  get taskCount (): number { return this.plan.size }

  /** The record of task i as it stands: what storage keeps. */
  taskRecord (i: number): TaskRecord {
    return taskRecordOf(this, i)
  }

  recordSize (i: number): number {
    const error = this.#errors?.get(i)
    const text = error === undefined ? 0 : 2 * (error.message.length + (error.stack?.length ?? 0))
    return text + (this.storeOutputs ? Math.max(0, this.outputs.len[i]) : 0)
  }

  /** The record storage keeps of this execution, as it stands. */
  record (): StoredExecution {
    return executionRecordOf(this)
  }
}
