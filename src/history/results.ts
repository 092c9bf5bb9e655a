/**
 * Execution and task results as callers see them, made from records: one
 * conversion for a live execution, a finished one and one read back from storage.
 */
import type { StoredExecution, ExecutionResult, InstanceResult, TaskRecord, TaskResult, TaskStatus } from '../types.js'
import { fromStorageBytes } from '../wire/values.js'

/** The result of a task, from its record (live or read back from storage). */
export function taskResultOf (record: TaskRecord, output: unknown): TaskResult {
  return withOutcome({ taskId: record.taskId, name: record.name, status: record.status, attempts: record.attempts }, record, output)
}

/** The result of one instance of a mapped task, from its record. */
export function instanceResultOf (record: TaskRecord, output: unknown): InstanceResult {
  return withOutcome({ mapIndex: record.mapIndex!, status: record.status, attempts: record.attempts }, record, output)
}

/** Adds to a task's or an instance's result the fields its record has: output, error, times, reuse. */
function withOutcome<R extends TaskResult | InstanceResult> (result: R, record: TaskRecord, output: unknown): R {
  if (output !== undefined) result.output = output
  if (record.error !== undefined) result.error = record.error
  if (record.startedAt !== undefined) result.startedAt = record.startedAt
  if (record.endedAt !== undefined) result.endedAt = record.endedAt
  if (record.duration !== undefined) result.duration = record.duration
  if (record.reusedFrom !== undefined) result.reusedFrom = record.reusedFrom
  if (record.cached === true) result.cached = true
  return result
}

/**
 * Sets a mapped task's `map` (its instances, by index, and their counts by state)
 * and, when it succeeded, its output: the instances' outputs in element order.
 */
export function attachInstances (task: TaskResult, instances: InstanceResult[]): void {
  const counts: Partial<Record<TaskStatus, number>> = {}
  let cached = instances.length > 0
  for (let m = 0; m < instances.length; m++) {
    const status = instances[m].status
    counts[status] = (counts[status] ?? 0) + 1
    if (instances[m]?.cached !== true) cached = false
  }
  if (cached) task.cached = true
  if (task.status === 'success') {
    const output = new Array<unknown>(instances.length)
    for (let m = 0; m < instances.length; m++) output[m] = instances[m].output
    task.output = output
  }
  task.map = { size: instances.length, counts, instances }
}

/** Task results from the records storage keeps: instances go into their mapped task's result. */
export function taskResultsOf (records: readonly TaskRecord[]): Record<string, TaskResult> {
  const tasks: Record<string, TaskResult> = {}
  let instances: Map<string, InstanceResult[]> | null = null
  for (const t of records) {
    const output = t.output !== undefined && t.status === 'success' ? fromStorageBytes(t.output) : undefined
    if (t.mapIndex === undefined) {
      tasks[t.taskId] = taskResultOf(t, output)
      if (t.mapSize !== undefined) (instances ??= new Map()).set(t.taskId, new Array(t.mapSize))
    }
  }
  if (instances === null) return tasks
  for (const t of records) {
    if (t.mapIndex === undefined) continue
    const list = instances.get(t.taskId)
    const output = t.output !== undefined && t.status === 'success' ? fromStorageBytes(t.output) : undefined
    if (list !== undefined && t.mapIndex < list.length) list[t.mapIndex] = instanceResultOf(t, output)
  }
  for (const [taskId, list] of instances) {
    // An instance whose record storage does not have (yet) is shown as pending.
    for (let m = 0; m < list.length; m++) list[m] ??= { mapIndex: m, status: 'pending', attempts: 0 }
    attachInstances(tasks[taskId], list)
  }
  return tasks
}

/**
 * The result of an execution. `tasks` may be a function: the per-task results are
 * then made on first read of `result.tasks` (an own enumerable property all the
 * same, so that JSON, spreading and deep equality see it), not for every
 * execution whether or not anyone looks.
 */
export function executionResultOf (record: StoredExecution,
  tasks: Record<string, TaskResult> | (() => Record<string, TaskResult>)): ExecutionResult {
  const endedAt = record.endedAt ?? record.updatedAt
  const result = {
    executionId: record.executionId,
    workflowId: record.workflowId,
    status: record.status,
    startedAt: record.startedAt,
    endedAt,
    duration: Math.round((endedAt - record.startedAt) * 1000) / 1000
  } as ExecutionResult
  if (typeof tasks === 'function') defineLazy(result, tasks)
  else result.tasks = tasks
  if (record.error !== undefined) result.error = record.error
  if (record.retryOf !== undefined) result.retryOf = record.retryOf
  return result
}

// The maker of a result's task results while they have not been read: see tasksOnce.
const kMakeTasks = Symbol('makeTasks')

function defineLazy (result: ExecutionResult, make: () => Record<string, TaskResult>): void {
  Object.defineProperty(result, kMakeTasks, { value: make, writable: true, configurable: true })
  Object.defineProperty(result, 'tasks', {
    enumerable: true,
    configurable: true,
    get (this: ExecutionResult) {
      const tasks = make()
      Object.defineProperty(this, 'tasks', { value: tasks, enumerable: true, configurable: true, writable: true })
      ;(this as unknown as Record<symbol, unknown>)[kMakeTasks] = undefined
      return tasks
    },
    set (this: ExecutionResult, value: Record<string, TaskResult>) {
      Object.defineProperty(this, 'tasks', { value, enumerable: true, configurable: true, writable: true })
      ;(this as unknown as Record<symbol, unknown>)[kMakeTasks] = undefined
    }
  })
}

/**
 * The task results of `result`, made for this read alone when they are made on first
 * read: the result itself stays without them. The engine keeps its last results
 * (retainExecutions), and one read to send a result away would otherwise keep every
 * one of them with its tasks' objects, old enough by then to cost the collector.
 */
export function tasksOnce (result: ExecutionResult): Record<string, TaskResult> {
  const make = (result as unknown as Record<symbol, (() => Record<string, TaskResult>) | undefined>)[kMakeTasks]
  return make === undefined ? result.tasks : make()
}
