import type { ErrorInfo } from '../errors.js'
import type { Plan } from '../workflow/planner.js'
import type {
  ExecutionRecord, ExecutionResult, ExecutionStatus, ExecutionStatusInfo, TaskRecord, TaskResult, TaskStatus
} from '../types.js'
import { decode, UNDEFINED_PACKET, type Packet } from './wire.js'
import { Fifo } from './fifo.js'

/** Per-task state inside the scheduler. */
export const enum TaskState { Pending, Ready, InFlight, RetryWait, Success, Failed, Skipped, Cancelled }

const kStatusOf: readonly TaskStatus[] = ['pending', 'pending', 'running', 'pending', 'success', 'failed', 'skipped', 'cancelled']

/** A batch of tasks of one execution, sent to the pool as one message. */
export interface Batch {
  exec: Execution
  slot: number
  tasks: number[]
  controller: AbortController
  /** Per-task timeout of the batch's single task; 0 for none. */
  timeout: number
  /** When the batch was sent, epoch ms. */
  sentAt: number
  /** Journal bytes already read while the batch ran. */
  journalSeen: number
  /** Tasks of the batch already settled from the journal, by index in the batch. */
  early: Uint8Array | null
  /** Set once the pool answered (or failed) the batch. */
  settled: boolean
  /** Set when the watchdog or a cancellation stopped the batch. */
  stopped: 'timeout' | 'cancel' | null
}

/**
 * The live context of one execution: what each task is doing, the outputs
 * produced so far, and the promise the caller waits on. Typed arrays keep the
 * per-task state compact for workflows of many thousand tasks.
 */
export class Execution {
  readonly id: string
  readonly plan: Plan
  readonly input: Packet
  readonly inputBytes: Uint8Array
  readonly instanceId: string
  readonly startedAt: number
  readonly traceId: string
  readonly rootSpanId: string
  readonly retryOf: string | undefined
  status: ExecutionStatus = 'running'
  updatedAt: number
  endedAt = 0
  error: (ErrorInfo & { taskId?: string }) | undefined

  readonly state: Uint8Array
  /** Dependencies of each task not yet succeeded. */
  readonly remaining: Int32Array
  /** Dependents of each task not yet sent the task's output; decides transfer versus copy. */
  readonly consumersLeft: Int32Array
  readonly attempts: Uint16Array
  readonly readyAt: Float64Array
  readonly taskStart: Float64Array
  readonly taskEnd: Float64Array
  readonly outputs: Array<Packet | null>
  /** Self-contained output bytes kept for storage and resume. */
  readonly stored: Array<Uint8Array | undefined>
  readonly errors: Array<ErrorInfo | null>
  readonly reusedFrom: Array<string | undefined>
  readonly ready = new Fifo<number>()
  readonly batches = new Set<Batch>()
  readonly retryTimers = new Map<number, NodeJS.Timeout>()
  /** True while the execution sits in the scheduler's queue of executions with ready tasks. */
  queued = false
  settled = 0
  succeeded = 0
  failed = 0
  skipped = 0
  running = 0
  result: ExecutionResult | null = null
  resolve: (result: ExecutionResult) => void = () => {}
  readonly done: Promise<ExecutionResult>
  cleanup: (() => void) | null = null

  constructor (id: string, plan: Plan, input: Packet, inputBytes: Uint8Array, instanceId: string,
    now: number, traceId: string, rootSpanId: string, retryOf?: string) {
    const n = plan.size
    this.id = id
    this.plan = plan
    this.input = input
    this.inputBytes = inputBytes
    this.instanceId = instanceId
    this.startedAt = now
    this.updatedAt = now
    this.traceId = traceId
    this.rootSpanId = rootSpanId
    this.retryOf = retryOf
    this.state = new Uint8Array(n)
    this.remaining = new Int32Array(n)
    this.consumersLeft = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      this.remaining[i] = plan.deps[i].length
      this.consumersLeft[i] = plan.dependents[i].length
    }
    this.attempts = new Uint16Array(n)
    this.readyAt = new Float64Array(n)
    this.taskStart = new Float64Array(n)
    this.taskEnd = new Float64Array(n)
    this.outputs = new Array(n).fill(null)
    this.stored = new Array(n).fill(undefined)
    this.errors = new Array(n).fill(null)
    this.reusedFrom = new Array(n).fill(undefined)
    this.done = new Promise(resolve => { this.resolve = resolve })
  }

  get workflowId (): string {
    return this.plan.workflow.id
  }

  taskStatus (i: number): TaskStatus {
    return kStatusOf[this.state[i]]
  }

  statusInfo (): ExecutionStatusInfo {
    const total = this.plan.size
    const info: ExecutionStatusInfo = {
      executionId: this.id,
      workflowId: this.workflowId,
      status: this.status,
      progress: total === 0 ? 100 : Math.round((this.settled / total) * 10000) / 100,
      totalTasks: total,
      completedTasks: this.succeeded,
      failedTasks: this.failed,
      runningTasks: this.running,
      skippedTasks: this.skipped,
      startedAt: this.startedAt,
      updatedAt: this.updatedAt
    }
    if (this.status === 'running' && this.settled > 0 && this.settled < total) {
      const elapsed = this.updatedAt - this.startedAt
      info.estimatedEndAt = this.startedAt + elapsed * total / this.settled
    }
    return info
  }

  taskResult (i: number): TaskResult {
    let packet = this.outputs[i]
    // Large buffers moved on to a consumer are detached here; the stored copy (kept for
    // history unless storeOutputs is off) still holds the value.
    const stored = this.stored[i]
    if (packet?.oob != null && stored !== undefined && packet.oob.some(b => b.byteLength === 0)) packet = { bytes: stored, oob: null }
    const output = this.state[i] === TaskState.Success && packet !== null && packet !== UNDEFINED_PACKET ? decode(packet) : undefined
    return taskResultOf(this.taskRecord(i), output)
  }

  buildResult (): ExecutionResult {
    const tasks: Record<string, TaskResult> = {}
    for (let i = 0; i < this.plan.size; i++) tasks[this.plan.ids[i]] = this.taskResult(i)
    return executionResultOf(this.record(), tasks)
  }

  record (): ExecutionRecord {
    const record: ExecutionRecord = {
      id: this.id,
      workflowId: this.workflowId,
      workflowVersion: this.plan.workflow.version,
      definitionHash: this.plan.hash,
      status: this.status,
      instanceId: this.instanceId,
      input: this.inputBytes,
      startedAt: this.startedAt,
      updatedAt: this.updatedAt,
      totalTasks: this.plan.size,
      completedTasks: this.succeeded,
      failedTasks: this.failed
    }
    if (this.endedAt !== 0) record.endedAt = this.endedAt
    if (this.error !== undefined) record.error = this.error
    if (this.retryOf !== undefined) record.retryOf = this.retryOf
    return record
  }

  taskRecord (i: number): TaskRecord {
    const record: TaskRecord = {
      executionId: this.id,
      taskId: this.plan.ids[i],
      name: this.plan.workflow.tasks[i].name,
      status: this.taskStatus(i),
      attempts: this.attempts[i]
    }
    if (this.taskStart[i] !== 0) record.startedAt = this.taskStart[i]
    if (this.taskEnd[i] !== 0) {
      record.endedAt = this.taskEnd[i]
      if (this.taskStart[i] !== 0) record.duration = Math.round((this.taskEnd[i] - this.taskStart[i]) * 1000) / 1000
    }
    const error = this.errors[i]
    if (error !== null) record.error = error
    const stored = this.stored[i]
    if (stored !== undefined) record.output = stored
    const reused = this.reusedFrom[i]
    if (reused !== undefined) record.reusedFrom = reused
    return record
  }

  /** Drops the per-task state once the result is built; the result stays for queries. */
  release (): void {
    this.outputs.fill(null)
    this.stored.fill(undefined)
  }
}

/** The result of a task as callers see it, from its record (live or read back from storage). */
export function taskResultOf (record: TaskRecord, output: unknown): TaskResult {
  const result: TaskResult = { taskId: record.taskId, name: record.name, status: record.status, attempts: record.attempts }
  if (output !== undefined) result.output = output
  if (record.error !== undefined) result.error = record.error
  if (record.startedAt !== undefined) result.startedAt = record.startedAt
  if (record.endedAt !== undefined) result.endedAt = record.endedAt
  if (record.duration !== undefined) result.duration = record.duration
  if (record.reusedFrom !== undefined) result.reusedFrom = record.reusedFrom
  return result
}

/** The result of an execution, from its record and its tasks' results. */
export function executionResultOf (record: ExecutionRecord, tasks: Record<string, TaskResult>): ExecutionResult {
  const endedAt = record.endedAt ?? record.updatedAt
  const result: ExecutionResult = {
    executionId: record.id,
    workflowId: record.workflowId,
    status: record.status,
    startedAt: record.startedAt,
    endedAt,
    duration: Math.round((endedAt - record.startedAt) * 1000) / 1000,
    tasks
  }
  if (record.error !== undefined) result.error = record.error
  if (record.retryOf !== undefined) result.retryOf = record.retryOf
  return result
}
