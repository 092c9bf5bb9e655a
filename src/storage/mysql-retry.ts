/**
 * The SQL of manual retry and crash recovery (RetryStorage) on MySQL. Claims
 * and abandonment are single conditional UPDATEs: the row changes for exactly
 * one caller, whatever the interleaving, and affectedRows says who.
 */
import type { InstanceRecord, RetryQuery, RetryRecord, RetryStatistics } from '../types.js'
import type { Session } from './mysql-pool.js'
import { readTime, sqlDatetime, sqlTime, sqlValue } from './mysql-codec.js'

type Row = Record<string, unknown>

export interface RetryTables { retries: string, instances: string, executions: string }

const kRetryColumns = [
  'execution_id', 'workflow_id', 'definition_hash', 'status', 'reason', 'failed_task_id', 'error_code', 'error_message',
  'failed_at', 'updated_at', 'last_execution_id', 'manual_attempts', 'claimed_by', 'claimed_at', 'recovered_by', 'abandoned_reason'
] as const

function retryTuple (r: RetryRecord): string {
  return '(' + [
    sqlValue(r.executionId), sqlValue(r.workflowId), sqlValue(r.definitionHash), sqlValue(r.status), sqlValue(r.reason),
    sqlValue(r.failedTaskId), sqlValue(r.errorCode), sqlValue(r.errorMessage), sqlTime(r.failedAt), sqlTime(r.updatedAt),
    sqlValue(r.lastExecutionId), sqlValue(r.manualAttempts), sqlValue(r.claimedBy), sqlTime(r.claimedAt),
    sqlValue(r.recoveredBy), sqlValue(r.abandonedReason)
  ].join(',') + ')'
}

function retryFromRow (row: Row): RetryRecord {
  const record: RetryRecord = {
    executionId: row.execution_id as string,
    workflowId: row.workflow_id as string,
    definitionHash: row.definition_hash as string,
    status: row.status as RetryRecord['status'],
    reason: row.reason as RetryRecord['reason'],
    errorCode: row.error_code as string,
    errorMessage: row.error_message as string,
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
  if (row.abandoned_reason !== null) record.abandonedReason = row.abandoned_reason as string
  return record
}

export class RetrySql {
  readonly #t: RetryTables
  readonly #select: string

  constructor (tables: RetryTables) {
    this.#t = tables
    this.#select = `SELECT ${kRetryColumns.join(', ')} FROM ${tables.retries}`
  }

  /** One multi-row upsert: the engine writes the full state of each case. */
  async write (session: Session, records: readonly RetryRecord[]): Promise<void> {
    if (records.length === 0) return
    const update = kRetryColumns.filter(c => c !== 'execution_id').map(c => `${c} = VALUES(${c})`).join(', ')
    await session.run(`INSERT INTO ${this.#t.retries} (${kRetryColumns.join(', ')}) VALUES ${records.map(retryTuple).join(',')} ON DUPLICATE KEY UPDATE ${update}`)
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

  async claim (session: Session, executionId: string, instanceId: string, at: number): Promise<boolean> {
    const result = await session.run(`UPDATE ${this.#t.retries} SET status = 'retrying', claimed_by = ?, claimed_at = ?, updated_at = ?, ` +
      'manual_attempts = manual_attempts + 1 WHERE execution_id = ? AND status = \'pending\'',
    [instanceId, sqlDatetime(at), sqlDatetime(at), executionId]) as { affectedRows: number }
    return result.affectedRows === 1
  }

  async abandon (session: Session, executionId: string, reason: string, at: number): Promise<boolean> {
    const result = await session.run(`UPDATE ${this.#t.retries} SET status = 'abandoned', abandoned_reason = ?, updated_at = ? ` +
      'WHERE execution_id = ? AND status = \'pending\'', [reason, sqlDatetime(at), executionId]) as { affectedRows: number }
    return result.affectedRows === 1
  }

  async statistics (session: Session): Promise<RetryStatistics> {
    const rows = await session.run(`SELECT COUNT(*) AS total, SUM(status = 'pending') AS pending, SUM(status = 'retrying') AS retrying, ` +
      `SUM(status = 'recovered') AS recovered, SUM(status = 'abandoned') AS abandoned, SUM(reason = 'interrupted') AS interrupted, ` +
      `SUM(manual_attempts) AS attempts, SUM(manual_attempts > 0) AS retried FROM ${this.#t.retries}`) as Row[]
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
      successRate: retried === 0 ? 0 : recovered / retried
    }
  }

  async heartbeat (session: Session, i: InstanceRecord): Promise<void> {
    await session.run(`INSERT INTO ${this.#t.instances} (instance_id, hostname, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?) ` +
      'ON DUPLICATE KEY UPDATE heartbeat_at = VALUES(heartbeat_at)',
    [i.instanceId, i.hostname, i.pid, sqlDatetime(i.startedAt), sqlDatetime(i.heartbeatAt)])
  }

  async removeInstance (session: Session, instanceId: string): Promise<void> {
    await session.run(`DELETE FROM ${this.#t.instances} WHERE instance_id = ?`, [instanceId])
  }

  /**
   * In one transaction: lock the running executions whose instance is silent, mark
   * them interrupted and open their failure cases. An execution is also required to
   * be older than the cut-off, so that one whose instance has not written its first
   * heartbeat yet is left alone. Two instances scanning at once serialise on the row
   * locks; the second finds nothing left `running`.
   */
  async interruptStale (session: Session, expiredBefore: number, at: number): Promise<string[]> {
    const { executions, instances, retries } = this.#t
    const cutoff = sqlDatetime(expiredBefore)
    await session.run('START TRANSACTION')
    try {
      const rows = await session.run(`SELECT e.id, e.workflow_id, e.definition_hash FROM ${executions} e ` +
        `LEFT JOIN ${instances} i ON i.instance_id = e.instance_id ` +
        'WHERE e.status = \'running\' AND e.updated_at < ? AND (i.instance_id IS NULL OR i.heartbeat_at < ?) FOR UPDATE',
      [cutoff, cutoff]) as Row[]
      if (rows.length === 0) {
        await session.run('COMMIT')
        return []
      }
      const ids = rows.map(r => r.id as string)
      const now = sqlDatetime(at)
      await session.run(`UPDATE ${executions} SET status = 'interrupted', updated_at = ?, ended_at = ?, error_code = 'INTERRUPTED', ` +
        'error_message = \'its engine instance stopped heartbeating while it ran\' WHERE id IN (?) AND status = \'running\'', [now, now, ids])
      await session.run(`INSERT INTO ${retries} (${kRetryColumns.join(', ')}) VALUES ${rows.map(r => retryTuple({
        executionId: r.id as string,
        workflowId: r.workflow_id as string,
        definitionHash: r.definition_hash as string,
        status: 'pending',
        reason: 'interrupted',
        errorCode: 'INTERRUPTED',
        errorMessage: 'its engine instance stopped heartbeating while it ran',
        failedAt: at,
        updatedAt: at,
        lastExecutionId: r.id as string,
        manualAttempts: 0
      })).join(',')} ON DUPLICATE KEY UPDATE execution_id = execution_id`)
      await session.run('COMMIT')
      return ids
    } catch (err) {
      await session.run('ROLLBACK').catch(() => {})
      throw err
    }
  }
}
