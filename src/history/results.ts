/**
 * Execution and task results as callers see them, made from records: one
 * conversion for a live execution, a finished one and one read back from storage.
 */
import type { StoredExecution, ExecutionResult, TaskRecord, TaskResult } from '../types.js'

/** The result of a task, from its record (live or read back from storage). */
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

function defineLazy (result: ExecutionResult, make: () => Record<string, TaskResult>): void {
  Object.defineProperty(result, 'tasks', {
    enumerable: true,
    configurable: true,
    get (this: ExecutionResult) {
      const tasks = make()
      Object.defineProperty(this, 'tasks', { value: tasks, enumerable: true, configurable: true, writable: true })
      return tasks
    },
    set (this: ExecutionResult, value: Record<string, TaskResult>) {
      Object.defineProperty(this, 'tasks', { value, enumerable: true, configurable: true, writable: true })
    }
  })
}
