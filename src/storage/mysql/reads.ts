/**
 * The queries behind MySQLStorage's reads: filters checked and turned into one
 * statement each, and records rebuilt with their inputs and outputs (put back
 * together from their parts when they were stored aside).
 */
import { InvalidOptionsError } from '../../errors.js'
import { epochMs } from '../../query-options.js'
import type { ExecutionQuery, StoredExecution, LogQuery, TaskRecord } from '../../types.js'
import { LOG_LEVEL_VALUES } from '../../types.js'
import { readValue } from './blobs.js'
import { blobKey, executionFromRow, taskFromRow } from './codec.js'
import type { Session } from './pool.js'
import { sqlDatetime, type Row } from './sql.js'

/** A statement and its parameters. */
export interface Query { sql: string, params: unknown[] }

/** Execution records of `rows`, inputs stored in parts read back. */
export async function executionsOf (session: Session, blobs: string, rows: Row[]): Promise<StoredExecution[]> {
  const out: StoredExecution[] = []
  for (const row of rows) {
    const record = executionFromRow(row)
    const parts = Number(row.input_parts ?? 0)
    if (parts > 0) record.input = await readValue(session, blobs, record.executionId, '', parts)
    out.push(record)
  }
  return out
}

/** Task records of `rows`, outputs stored in parts read back. */
export async function tasksOf (session: Session, blobs: string, rows: Row[]): Promise<TaskRecord[]> {
  const out: TaskRecord[] = []
  for (const row of rows) {
    const record = taskFromRow(row)
    const parts = Number(row.output_parts ?? 0)
    if (parts > 0) record.output = await readValue(session, blobs, record.executionId, blobKey(record), parts)
    out.push(record)
  }
  return out
}

/**
 * Executions newest first by start time (then id), filtered and paged; `after` is the id
 * of the last execution of the previous page, whose start time the query looks up;
 * undefined when the query can match nothing.
 * @throws {InvalidOptionsError} for a negative or fractional limit or offset, or a time that is not finite
 */
export function executionsQuery (select: string, table: string, query: ExecutionQuery): Query | undefined {
  const limit = count('limit', query.limit, 100)
  const offset = count('offset', query.offset, 0)
  if (limit === 0) return undefined
  const where: string[] = []
  const params: unknown[] = []
  if (query.workflowId !== undefined) { where.push('workflow_id = ?'); params.push(query.workflowId) }
  if (query.status !== undefined) {
    const statuses = Array.isArray(query.status) ? query.status : [query.status]
    if (statuses.length === 0) return undefined
    where.push('status IN (?)')
    params.push(statuses)
  }
  if (query.from !== undefined) { where.push('started_at >= ?'); params.push(sqlDatetime(time('from', query.from))) }
  if (query.to !== undefined) { where.push('started_at < ?'); params.push(sqlDatetime(time('to', query.to))) }
  if (query.after !== undefined) {
    // Keyset on (started_at, id): ids chosen by the caller do not sort by time.
    const cursor = `(SELECT c.started_at FROM ${table} c WHERE c.id = ?)`
    where.push(`(started_at < ${cursor} OR (started_at = ${cursor} AND id < ?))`)
    params.push(query.after, query.after, query.after)
  }
  if (query.retryOf !== undefined) { where.push('retry_of = ?'); params.push(query.retryOf) }
  params.push(limit, offset)
  // A workflow and one status: MariaDB intersects by_workflow and by_status and sorts every
  // match (25k rows of 1M in bench/console.bench.ts) unless told to walk the index made for
  // the pair (migration 005), which yields the page in id order and stops at the limit.
  const statusCount = Array.isArray(query.status) ? query.status.length : 1
  const hint = query.workflowId !== undefined && query.status !== undefined && statusCount === 1 ? ' FORCE INDEX (by_workflow_status_started)' : ''
  return { sql: `${select}${hint} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`, params }
}

/**
 * Log lines of an execution, oldest first (in the order recorded), filtered and paged.
 * @throws {InvalidOptionsError} for an unknown level or a bad limit or offset
 */
export function logsQuery (select: string, executionId: string, query: LogQuery): Query {
  const limit = count('limit', query.limit, 1000)
  const offset = count('offset', query.offset, 0)
  const params: unknown[] = [executionId]
  let where = 'execution_id = ?'
  if (query.taskId !== undefined) { where += ' AND task_id = ?'; params.push(query.taskId) }
  if (query.level !== undefined) {
    const min = LOG_LEVEL_VALUES[query.level]
    if (min === undefined) throw new InvalidOptionsError(`level must be one of ${Object.keys(LOG_LEVEL_VALUES).join(', ')}`)
    where += ' AND level_value >= ?'
    params.push(min)
  }
  params.push(limit, offset)
  return { sql: `${select} WHERE ${where} ORDER BY seq LIMIT ? OFFSET ?`, params }
}

/** A paging count: `fallback` when absent. @throws {InvalidOptionsError} unless a non-negative integer */
export function count (name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 0) throw new InvalidOptionsError(`${name} must be a non-negative integer`)
  return value
}

function time (name: string, value: unknown): number {
  return epochMs(`listExecutions(): ${name}`, value)
}
