/**
 * An execution as the outside sees it: its record and its tasks' records (what
 * storage keeps), its progress, and its result. Read-only views of Execution.
 */
import type { StoredExecution, ExecutionResult, ExecutionStatusInfo, InstanceResult, TaskRecord, TaskResult } from '../types.js'
import { attachInstances, executionResultOf, instanceResultOf, taskResultOf } from '../history/results.js'
import type { ErrorInfo } from '../errors.js'
import type { ExecutionStatus, TaskStatus } from '../types.js'
import type { Plan } from '../workflow/planner.js'
import type { MapState } from './map-state.js'
import type { TaskOutputs } from './task-outputs.js'
import { TaskState } from './task-state.js'

/**
 * What these views read of an Execution: declared here, not imported, so that the
 * execution (which hands itself to them) and its views do not import each other.
 */
interface ExecutionFacts {
  readonly id: string
  readonly workflowId: string
  readonly plan: Plan
  readonly status: ExecutionStatus
  readonly instanceId: string
  readonly input: Uint8Array
  readonly startedAt: number
  readonly updatedAt: number
  readonly endedAt: number
  readonly error: (ErrorInfo & { taskId?: string }) | undefined
  readonly retryOf?: string
  readonly fence?: number
  readonly size: number
  readonly succeeded: number
  readonly failed: number
  readonly skipped: number
  readonly running: number
  readonly settled: number
  readonly storeOutputs: boolean
  readonly state: Uint8Array
  readonly attempts: Uint16Array
  readonly taskStart: Float64Array
  readonly taskEnd: Float64Array
  readonly template: Int32Array
  readonly mapIndex: Int32Array
  readonly maps: MapState | null
  readonly outputs: TaskOutputs
  taskStatus (i: number): TaskStatus
  errorOf (i: number): ErrorInfo | null
  reusedFromOf (i: number): string | undefined
  isCached (i: number): boolean
}

export function executionRecordOf (exec: ExecutionFacts): StoredExecution {
  const record: StoredExecution = {
    executionId: exec.id,
    workflowId: exec.workflowId,
    workflowVersion: exec.plan.workflow.version,
    definitionHash: exec.plan.hash,
    status: exec.status,
    instanceId: exec.instanceId,
    input: exec.input,
    startedAt: exec.startedAt,
    updatedAt: exec.updatedAt,
    totalTasks: exec.size,
    completedTasks: exec.succeeded,
    failedTasks: exec.failed
  }
  if (exec.endedAt !== 0) record.endedAt = exec.endedAt
  if (exec.error !== undefined) record.error = exec.error
  if (exec.retryOf !== undefined) record.retryOf = exec.retryOf
  if (exec.fence !== 0) record.fence = exec.fence
  return record
}

/** The record of task i, with its output bytes when it has one, outputs are kept and `withOutput`. */
export function taskRecordOf (exec: ExecutionFacts, i: number, withOutput = true): TaskRecord {
  const t = exec.template[i]
  const record: TaskRecord = {
    executionId: exec.id,
    taskId: exec.plan.ids[t],
    name: exec.plan.workflow.tasks[t].name,
    status: exec.taskStatus(i),
    attempts: exec.attempts[i]
  }
  if (t !== i) record.mapIndex = exec.mapIndex[i]
  else if (exec.maps !== null && exec.maps.first[i] !== -1) record.mapSize = exec.maps.count[i]
  const start = exec.taskStart[i]
  const end = exec.taskEnd[i]
  if (start !== 0) record.startedAt = start
  if (end !== 0) {
    record.endedAt = end
    if (start !== 0) record.duration = Math.round((end - start) * 1000) / 1000
  }
  const error = exec.errorOf(i)
  if (error !== null) record.error = error
  const reused = exec.reusedFromOf(i)
  if (reused !== undefined) record.reusedFrom = reused
  if (exec.fence !== 0) record.fence = exec.fence
  if (exec.isCached(i)) record.cached = true
  if (withOutput && exec.state[i] === TaskState.Success && (exec.storeOutputs || reused !== undefined)) {
    const output = exec.outputs.bytes(i)
    if (output !== undefined) record.output = output
  }
  return record
}

export function statusInfoOf (exec: ExecutionFacts): ExecutionStatusInfo {
  const total = exec.size
  const info: ExecutionStatusInfo = {
    executionId: exec.id,
    workflowId: exec.workflowId,
    status: exec.status,
    progress: total === 0 ? 100 : Math.round((exec.settled / total) * 10000) / 100,
    totalTasks: total,
    completedTasks: exec.succeeded,
    failedTasks: exec.failed,
    runningTasks: exec.running,
    skippedTasks: exec.skipped,
    startedAt: exec.startedAt,
    updatedAt: exec.updatedAt
  }
  if (exec.status === 'running' && exec.settled > 0 && exec.settled < total) {
    const elapsed = exec.updatedAt - exec.startedAt
    info.estimatedEndAt = exec.startedAt + elapsed * total / exec.settled
  }
  return info
}

/**
 * The result of an execution. `lazy`: its tasks' results are made on first read of
 * `result.tasks` (a finished execution's, which no longer changes).
 */
export function resultOf (exec: ExecutionFacts, lazy: boolean): ExecutionResult {
  return executionResultOf(executionRecordOf(exec), lazy ? () => taskResults(exec) : taskResults(exec))
}

function taskResults (exec: ExecutionFacts): Record<string, TaskResult> {
  const tasks: Record<string, TaskResult> = {}
  const { maps } = exec
  for (let i = 0; i < exec.plan.size; i++) {
    const output = exec.state[i] === TaskState.Success ? exec.outputs.value(i) : undefined
    const task = tasks[exec.plan.ids[i]] = taskResultOf(taskRecordOf(exec, i, false), output)
    if (maps === null || maps.first[i] === -1) continue
    // Each instance's output is decoded once, for its result and the mapped task's output alike.
    const instances = new Array<InstanceResult>(maps.count[i])
    for (let m = 0, s = maps.first[i]; m < instances.length; m++, s++) {
      instances[m] = instanceResultOf(taskRecordOf(exec, s, false), exec.state[s] === TaskState.Success ? exec.outputs.value(s) : undefined)
    }
    attachInstances(task, instances)
  }
  return tasks
}
