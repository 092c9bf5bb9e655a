/**
 * An execution as the outside sees it: its record and its tasks' records (what
 * storage keeps), its progress, and its result. Read-only views of Execution.
 */
import type { StoredExecution, ExecutionResult, ExecutionStatusInfo, InstanceResult, TaskRecord, TaskResult } from '../types.js'
import { attachInstances, executionResultOf, instanceResultOf, taskResultOf } from '../history/results.js'
import { TaskState, type Execution } from './execution.js'

export function executionRecordOf (exec: Execution): StoredExecution {
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
export function taskRecordOf (exec: Execution, i: number, withOutput = true): TaskRecord {
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
  if (withOutput && exec.state[i] === TaskState.Success && (exec.storeOutputs || reused !== undefined)) {
    const output = exec.outputs.bytes(i)
    if (output !== undefined) record.output = output
  }
  return record
}

export function statusInfoOf (exec: Execution): ExecutionStatusInfo {
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
export function resultOf (exec: Execution, lazy: boolean): ExecutionResult {
  return executionResultOf(executionRecordOf(exec), lazy ? () => taskResults(exec) : taskResults(exec))
}

function taskResults (exec: Execution): Record<string, TaskResult> {
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
