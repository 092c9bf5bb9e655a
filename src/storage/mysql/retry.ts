/**
 * The SQL of manual retry (RetryStorage) on MySQL. Claims and abandonment are
 * single conditional UPDATEs: the row changes for exactly one caller, whatever the
 * interleaving, and affectedRows says who. Case writes are fenced upserts (see
 * `retryUpsert`). Heartbeats and the scan for dead instances are in mysql-recovery.
 */
import type { RetryQuery, RetryRecord, RetryStatistics } from '../../types.js'
import type { InsertSql } from './batch.js'
import type { Session } from './pool.js'
import { readTime, sqlDatetime, sqlText, sqlTime, sqlValue, type Row } from './sql.js'
import { kTextLimits, readText } from './text.js'
import { againOnDeadlock } from './deadlocks.js'

/** Columns of `<prefix>retry_records`, in the order of `retryTuple`. */
export const kRetryColumns = [
  'execution_id', 'workflow_id', 'definition_hash', 'status', 'reason', 'failed_task_id', 'error_code', 'error_message',
  'failed_at', 'updated_at', 'last_execution_id', 'manual_attempts', 'claimed_by', 'claimed_at', 'recovered_by', 'abandoned_reason'
] as const

/** A failure case as a SQL tuple; free text bounded and escaped. */
export function retryTuple (r: RetryRecord): string {
  return '(' + [
    sqlValue(r.executionId), sqlValue(r.workflowId), sqlValue(r.definitionHash), sqlValue(r.status), sqlValue(r.reason),
    sqlValue(r.failedTaskId), sqlText(r.errorCode, kTextLimits.code), sqlText(r.errorMessage, kTextLimits.message),
    sqlTime(r.failedAt), sqlTime(r.updatedAt), sqlValue(r.lastExecutionId), sqlValue(r.manualAttempts), sqlValue(r.claimedBy),
    sqlTime(r.claimedAt), sqlValue(r.recoveredBy), sqlText(r.abandonedReason, kTextLimits.reason)
  ].join(',') + ')'
}

function retryFromRow (row: Row): RetryRecord {
  const record: RetryRecord = {
    executionId: row.execution_id as string,
    workflowId: row.workflow_id as string,
    definitionHash: row.definition_hash as string,
    status: row.status as RetryRecord['status'],
    reason: row.reason as RetryRecord['reason'],
    errorCode: readText(row.error_code)!,
    errorMessage: readText(row.error_message)!,
    failedAt: readTime(row.failed_at)!,
    updatedAt: readTime(row.updated_at)!,
    lastExecutionId: row.last_execution_id as string,
    manualAttempts: Number(row.manual_attempts)
  }
  if (row.failed_task_id !== null) record.failedTaskId = row.failed_task_id as string
  if (row.claimed_by !== null) record.claimedBy = row.claimed_by as string
  const claimedAt = readTime(row.claimed_at)
  if (claimedAt !== undefined) record.claimedAt = claimedAt
  if (row.recovered_by !== null) record.recoveredBy = row.recovered_by as string
  const abandoned = readText(row.abandoned_reason)
  if (abandoned !== undefined) record.abandonedReason = abandoned
  return record
}

/**
 * The upsert of failure cases, fenced by `manual_attempts`: a claim increments it,
 * so a write carrying the count of its claim applies only while no later claim was
 * made, and only to a case still open (`pending` or `retrying`). A case opened by a
 * failure carries 0; the close of a retry carries the count of its claim. A late
 * write of an instance whose claim expired and was taken by another, or a repeat
 * of a write already applied, changes nothing. `status` is assigned last, because
 * MySQL evaluates the assignments left to right on the updated row.
 */
export function retryUpsert (table: string): InsertSql {
  const fence = "(status IN ('pending', 'retrying') AND manual_attempts = VALUES(manual_attempts))"
  const updated = kRetryColumns.filter(c => c !== 'execution_id' && c !== 'manual_attempts' && c !== 'status')
  return {
    head: `INSERT INTO ${table} (${kRetryColumns.join(', ')}) VALUES `,
    tail: ' ON DUPLICATE KEY UPDATE ' + updated.map(c => `${c} = IF(${fence}, VALUES(${c}), ${c})`).join(', ') +
      `, status = IF(${fence}, VALUES(status), status)`
  }
}

/** Reads, claims, abandons and statistics of failure cases, on a session of the readers' pool. */
export class RetrySql {
  readonly #table: string
  readonly #select: string

  constructor (table: string) {
    this.#table = table
    this.#select = `SELECT ${kRetryColumns.join(', ')} FROM ${table}`
  }

  async get (session: Session, executionId: string): Promise<RetryRecord | undefined> {
    const rows = await session.run(`${this.#select} WHERE execution_id = ?`, [executionId]) as Row[]
    return rows.length === 0 ? undefined : retryFromRow(rows[0])
  }

  async list (session: Session, query: RetryQuery): Promise<RetryRecord[]> {
    const statuses = query.status === undefined ? ['pending', 'retrying'] : [query.status].flat()
    if (statuses.length === 0) return []
    const params: unknown[] = [statuses]
    let where = 'status IN (?)'
    if (query.workflowId !== undefined) { where += ' AND workflow_id = ?'; params.push(query.workflowId) }
    params.push(query.limit ?? 100, query.offset ?? 0)
    const rows = await session.run(`${this.#select} WHERE ${where} ORDER BY failed_at, execution_id LIMIT ? OFFSET ?`, params) as Row[]
    return rows.map(retryFromRow)
  }

  /** `takeOver`: a case `retrying` under another claim is taken too (see RetryStorage.adoptRetry). */
  // Claims and abandons of one case at once may deadlock on the row and its status index:
  // the victim changed nothing and runs again, so exactly one of them still wins.
  async claim (session: Session, executionId: string, instanceId: string, at: number, takeOver = false): Promise<boolean> {
    const result = await againOnDeadlock(() => session.run(`UPDATE ${this.#table} SET status = 'retrying', claimed_by = ?, claimed_at = ?, updated_at = ?, ` +
      `manual_attempts = manual_attempts + 1 WHERE execution_id = ? AND status IN (${takeOver ? "'pending', 'retrying'" : "'pending'"})`,
    [instanceId, sqlDatetime(at), sqlDatetime(at), executionId])) as { affectedRows: number }
    return result.affectedRows === 1
  }

  async abandon (session: Session, executionId: string, reason: string, at: number): Promise<boolean> {
    const result = await againOnDeadlock(() => session.run(`UPDATE ${this.#table} SET status = 'abandoned', abandoned_reason = ${sqlText(reason, kTextLimits.reason)}, ` +
      'updated_at = ? WHERE execution_id = ? AND status = \'pending\'', [sqlDatetime(at), executionId])) as { affectedRows: number }
    return result.affectedRows === 1
  }

  async statistics (session: Session): Promise<RetryStatistics> {
    const rows = await session.run(`SELECT COUNT(*) AS total, SUM(status = 'pending') AS pending, SUM(status = 'retrying') AS retrying, ` +
      `SUM(status = 'recovered') AS recovered, SUM(status = 'abandoned') AS abandoned, SUM(reason = 'interrupted') AS interrupted, ` +
      `SUM(manual_attempts) AS attempts, SUM(manual_attempts > 0) AS retried, ` +
      `SUM(status = 'recovered' AND manual_attempts > 0) AS recovered_by_retry FROM ${this.#table}`) as Row[]
    // SUM over no rows is NULL: an empty table gives zeros, not an error.
    const n = (v: unknown): number => v === null || v === undefined ? 0 : Number(v)
    const r = rows[0]
    const retried = n(r.retried)
    const recovered = n(r.recovered)
    return {
      totalFailed: n(r.total),
      pending: n(r.pending),
      retrying: n(r.retrying),
      recovered,
      abandoned: n(r.abandoned),
      interrupted: n(r.interrupted),
      manualAttempts: n(r.attempts),
      retried,
      // A case closed by its own execution (an instance back from a partition) was not retried.
      successRate: retried === 0 ? 0 : n(r.recovered_by_retry) / retried
    }
  }
}
