/**
 * Execution and task records to SQL tuples, and rows back to records, for
 * MySQLStorage. Free text is bounded and escaped by `sqlText` (mysql-text); an
 * input or output too large for a row is stored in parts (mysql-blobs), and its
 * column then holds an empty value and the number of parts.
 */
import type { ErrorInfo } from '../../errors.js'
import type { StoredExecution, TaskRecord } from '../../types.js'
import { bool, bytes, readTime, sqlText, sqlTime, sqlValue, type Row } from './sql.js'
import { kTextLimits, readText } from './text.js'

/** How a value goes into its row: inline bytes, or an empty value and the number of parts stored aside. */
export interface InlineValue {
  /** The SQL literal of the column: `X'..'`, `X''` or NULL. */
  literal: string
  /** Parts in the blobs table; 0 when the value is inline. */
  parts: number
}

/** Columns of `<prefix>executions`, in the order of `executionTuple`. */
export const kExecutionColumns = [
  'id', 'workflow_id', 'workflow_version', 'definition_hash', 'status', 'instance_id', 'input', 'input_parts',
  'started_at', 'updated_at', 'ended_at', 'total_tasks', 'completed_tasks', 'failed_tasks',
  'error_code', 'error_message', 'error_retryable', 'error_stack', 'error_task_id', 'retry_of', 'fence'
] as const

function errorSql (e: ErrorInfo | undefined): string {
  return sqlText(e?.code, kTextLimits.code) + ',' + sqlText(e?.message, kTextLimits.message) + ',' + bool(e?.retryable) + ',' +
    sqlText(e?.stack, kTextLimits.stack)
}

function errorOf (row: Row): ErrorInfo | undefined {
  if (row.error_code === null) return undefined
  const error: ErrorInfo = { code: readText(row.error_code)!, message: readText(row.error_message) ?? '' }
  if (row.error_retryable !== null) error.retryable = row.error_retryable === 1
  const stack = readText(row.error_stack)
  if (stack !== undefined) error.stack = stack
  return error
}

/** An execution as a SQL tuple for the upsert; `input` says how its input goes in. */
export function executionTuple (r: StoredExecution, input: InlineValue): string {
  return '(' + sqlValue(r.executionId) + ',' + sqlValue(r.workflowId) + ',' + sqlValue(r.workflowVersion) + ',' +
    sqlValue(r.definitionHash) + ',' + sqlValue(r.status) + ',' + sqlValue(r.instanceId) + ',' + input.literal + ',' + input.parts + ',' +
    sqlTime(r.startedAt) + ',' + sqlTime(r.updatedAt) + ',' + sqlTime(r.endedAt) + ',' +
    sqlValue(r.totalTasks) + ',' + sqlValue(r.completedTasks) + ',' + sqlValue(r.failedTasks) + ',' +
    errorSql(r.error) + ',' + sqlValue(r.error?.taskId) + ',' + sqlValue(r.retryOf) + ',' + (r.fence ?? 0) + ')'
}

/** The record of a row; an input stored in parts is left empty here, for the reader to assemble. */
export function executionFromRow (row: Row): StoredExecution {
  const record: StoredExecution = {
    executionId: row.id as string,
    workflowId: row.workflow_id as string,
    workflowVersion: row.workflow_version as string,
    definitionHash: row.definition_hash as string,
    status: row.status as StoredExecution['status'],
    instanceId: row.instance_id as string,
    input: bytes(row.input) ?? new Uint8Array(0),
    startedAt: readTime(row.started_at)!,
    updatedAt: readTime(row.updated_at)!,
    totalTasks: row.total_tasks as number,
    completedTasks: row.completed_tasks as number,
    failedTasks: row.failed_tasks as number
  }
  const endedAt = readTime(row.ended_at)
  if (endedAt !== undefined) record.endedAt = endedAt
  const error: StoredExecution['error'] = errorOf(row)
  if (error !== undefined) {
    if (row.error_task_id !== null) error.taskId = row.error_task_id as string
    record.error = error
  }
  if (row.retry_of !== null) record.retryOf = row.retry_of as string
  return record
}

/** Columns of `<prefix>task_results`, in the order of `taskTuple`. */
export const kTaskColumns = [
  'execution_id', 'task_id', 'map_index', 'map_size', 'name', 'status', 'attempts', 'started_at', 'ended_at', 'duration',
  'error_code', 'error_message', 'error_retryable', 'error_stack', 'output', 'output_parts', 'reused_from', 'fence', 'cached'
] as const

/** The key of a task's output parts in blobs: its id, with its index for an instance of a mapped task. */
export function blobKey (r: { taskId: string, mapIndex?: number }): string {
  return r.mapIndex === undefined ? r.taskId : `${r.taskId}[${r.mapIndex}]`
}

/** A task result as a SQL tuple for the upsert; `output` says how its output goes in. */
export function taskTuple (r: TaskRecord, output: InlineValue): string {
  return '(' + sqlValue(r.executionId) + ',' + sqlValue(r.taskId) + ',' + String(r.mapIndex ?? -1) + ',' + sqlValue(r.mapSize) + ',' +
    sqlText(r.name, kTextLimits.name) + ',' + sqlValue(r.status) + ',' +
    sqlValue(r.attempts) + ',' + sqlTime(r.startedAt) + ',' + sqlTime(r.endedAt) + ',' + sqlValue(r.duration) + ',' +
    errorSql(r.error) + ',' + output.literal + ',' + output.parts + ',' + sqlValue(r.reusedFrom) + ',' + (r.fence ?? 0) + ',' + (r.cached === true ? '1' : '0') + ')'
}

/** The record of a row; an output stored in parts is left out here, for the reader to assemble. */
export function taskFromRow (row: Row): TaskRecord {
  const record: TaskRecord = {
    executionId: row.execution_id as string,
    taskId: row.task_id as string,
    name: readText(row.name)!,
    status: row.status as TaskRecord['status'],
    attempts: row.attempts as number
  }
  const startedAt = readTime(row.started_at)
  if (startedAt !== undefined) record.startedAt = startedAt
  const endedAt = readTime(row.ended_at)
  if (endedAt !== undefined) record.endedAt = endedAt
  if (row.duration !== null) record.duration = row.duration as number
  const error = errorOf(row)
  if (error !== undefined) record.error = error
  const output = bytes(row.output)
  if (output !== undefined) record.output = output
  if (row.reused_from !== null) record.reusedFrom = row.reused_from as string
  if (row.map_index !== undefined && row.map_index !== -1) record.mapIndex = row.map_index as number
  if (row.map_size !== undefined && row.map_size !== null) record.mapSize = row.map_size as number
  if (Number(row.cached) === 1) record.cached = true
  return record
}
