/**
 * Crash recovery on MySQL: heartbeats, the scan that finds what dead instances
 * left behind, and the reconciliation of an instance that was only cut off.
 *
 *   instance A (alive)             MySQL                          instance B (silent)
 *   heartbeat ──────────────▶ instances.heartbeat_at
 *   scan: ── one transaction ──▶ B's running executions ─▶ interrupted + case (pending)
 *                                B's claims (retrying)   ─▶ pending again
 *                                                         ◀── B comes back, writes success:
 *                                                             its interrupted case is closed
 *                                                             as recovered (reconcile, in B's
 *                                                             records transaction)
 */
import { ErrorCodes } from '../../errors.js'
import type { InstanceRecord } from '../../types.js'
import type { StaleReport } from '../storage.js'
import type { Session } from './pool.js'
import { readTime, sqlDatetime, type Row } from './sql.js'
import { kRetryColumns, retryTuple } from './retry.js'
import { againOnDeadlock } from './deadlocks.js'

/** Quoted tables the recovery statements touch. */
interface RecoveryTables { retries: string, instances: string, executions: string, tasks: string }

/**
 * What a database holds half-written, each as the ids concerned (at most `limit` of
 * each). Writes of this version commit a flush of records in one transaction, so
 * these stay empty; a database written by an older release, which wrote executions
 * and tasks apart, may have some.
 */
export interface IntegrityReport {
  /** Terminal executions (success, failed, cancelled) with fewer task rows than their total_tasks. */
  terminalWithoutTasks: string[]
  /** Executions that have task rows but no execution row. */
  tasksWithoutExecution: string[]
  /** Failure cases whose execution, or latest attempt, has no row. */
  casesWithoutExecution: string[]
}

const kInterrupted = 'its engine instance stopped heartbeating while it ran'
/** How long, past its heartbeat timeout, the row of a silent instance stays listed (as dead). */
const kPruneAfter = 3_600_000

/** Heartbeats, the scan for dead instances, reconciliation and the integrity report. */
export class RecoverySql {
  readonly #t: RecoveryTables

  constructor (tables: RecoveryTables) {
    this.#t = tables
  }

  async heartbeat (session: Session, i: InstanceRecord): Promise<void> {
    await session.run(`INSERT INTO ${this.#t.instances} (instance_id, hostname, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?) ` +
      'ON DUPLICATE KEY UPDATE heartbeat_at = VALUES(heartbeat_at)',
    // The instance id is checked where it is set (at most 255 characters); a host name is only informative.
    [i.instanceId, i.hostname.slice(0, 255), i.pid, sqlDatetime(i.startedAt), sqlDatetime(i.heartbeatAt)])
  }

  async removeInstance (session: Session, instanceId: string): Promise<void> {
    await session.run(`DELETE FROM ${this.#t.instances} WHERE instance_id = ?`, [instanceId])
  }

  /** Every registered instance, latest heartbeat first (the console lists them). */
  async instances (session: Session): Promise<InstanceRecord[]> {
    const rows = await session.run(`SELECT instance_id, hostname, pid, started_at, heartbeat_at FROM ${this.#t.instances} ` +
      'ORDER BY heartbeat_at DESC LIMIT 1000') as Row[]
    return rows.map(r => ({
      instanceId: String(r.instance_id),
      hostname: String(r.hostname),
      pid: Number(r.pid),
      startedAt: readTime(r.started_at)!,
      heartbeatAt: readTime(r.heartbeat_at)!
    }))
  }

  /**
   * In one transaction: lock the running executions whose instance is silent, mark
   * them interrupted and open their failure cases (a retry's own case is its
   * original's, released below); then release the claims of silent instances. An
   * execution or a claim is also required to be older than the cut-off, so that
   * one made before its instance's first heartbeat landed is left alone. Two
   * instances scanning at once serialise on the row locks; the second finds
   * nothing left to do.
   */
  async interruptStale (session: Session, expiredBefore: number, at: number): Promise<StaleReport> {
    // Instances starting together scan together, and InnoDB may pick one scan as a deadlock
    // victim (the joins lock instance rows that heartbeats update): it is rolled back whole,
    // so it is run again, quietly; a later heartbeat would do the same.
    return againOnDeadlock(() => this.#interruptStale(session, expiredBefore, at))
  }

  async #interruptStale (session: Session, expiredBefore: number, at: number): Promise<StaleReport> {
    const { executions, instances, retries, tasks } = this.#t
    const cutoff = sqlDatetime(expiredBefore)
    const now = sqlDatetime(at)
    await session.run('START TRANSACTION')
    try {
      const rows = await session.run(`SELECT e.id, e.workflow_id, e.definition_hash, e.retry_of FROM ${executions} e ` +
        `LEFT JOIN ${instances} i ON i.instance_id = e.instance_id ` +
        'WHERE e.status = \'running\' AND e.updated_at < ? AND (i.instance_id IS NULL OR i.heartbeat_at < ?) ORDER BY e.id FOR UPDATE',
      [cutoff, cutoff]) as Row[]
      const interrupted = rows.map(r => r.id as string)
      if (rows.length > 0) {
        // It ended at its last sign of life (its last task's end), not when found, and its
        // counts are those of the task rows its instance committed before it died.
        const ofTasks = (what: string, where = ''): string => `(SELECT ${what} FROM ${tasks} t WHERE t.execution_id = e.id${where})`
        await session.run(`UPDATE ${executions} e SET status = 'interrupted', updated_at = ?, ` +
          `ended_at = GREATEST(e.updated_at, COALESCE(${ofTasks('MAX(t.ended_at)')}, e.updated_at)), ` +
          `completed_tasks = ${ofTasks('COUNT(*)', " AND t.status = 'success'")}, failed_tasks = ${ofTasks('COUNT(*)', " AND t.status = 'failed'")}, ` +
          `error_code = '${ErrorCodes.INTERRUPTED}', error_message = ? WHERE e.id IN (?) AND e.status = 'running'`, [now, kInterrupted, interrupted])
        const originals = rows.filter(r => r.retry_of === null)
        if (originals.length > 0) {
          await session.run(`INSERT INTO ${retries} (${kRetryColumns.join(', ')}) VALUES ${originals.map(r => retryTuple({
            executionId: r.id as string,
            workflowId: r.workflow_id as string,
            definitionHash: r.definition_hash as string,
            status: 'pending',
            reason: 'interrupted',
            errorCode: ErrorCodes.INTERRUPTED,
            errorMessage: kInterrupted,
            failedAt: at,
            updatedAt: at,
            lastExecutionId: r.id as string,
            manualAttempts: 0
          })).join(',')} ON DUPLICATE KEY UPDATE execution_id = execution_id`)
        }
      }
      const claims = await session.run(`SELECT r.execution_id FROM ${retries} r LEFT JOIN ${instances} i ON i.instance_id = r.claimed_by ` +
        'WHERE r.status = \'retrying\' AND r.claimed_at < ? AND (i.instance_id IS NULL OR i.heartbeat_at < ?) ORDER BY r.execution_id FOR UPDATE',
      [cutoff, cutoff]) as Row[]
      const released = claims.map(r => r.execution_id as string)
      if (released.length > 0) {
        await session.run(`UPDATE ${retries} SET status = 'pending', claimed_by = NULL, claimed_at = NULL, updated_at = ? ` +
          'WHERE execution_id IN (?) AND status = \'retrying\'', [now, released])
      }
      // Rows of instances silent for long are of no use to anyone: a scan treats a missing
      // row as a dead instance anyway.
      await session.run(`DELETE FROM ${instances} WHERE heartbeat_at < ?`, [sqlDatetime(expiredBefore - kPruneAfter)])
      await session.run('COMMIT')
      return { interrupted, released }
    } catch (err) {
      await session.run('ROLLBACK').catch(() => {})
      throw err
    }
  }

  /** Reports what is half-written (see IntegrityReport); changes nothing. */
  async integrity (session: Session, limit: number): Promise<IntegrityReport> {
    const { executions, tasks, retries } = this.#t
    const ids = async (sql: string): Promise<string[]> => (await session.run(`${sql} LIMIT ${limit}`) as Row[]).map(r => r.id as string)
    return {
      terminalWithoutTasks: await ids(`SELECT e.id FROM ${executions} e LEFT JOIN ${tasks} t ON t.execution_id = e.id ` +
        'WHERE e.status IN (\'success\', \'failed\', \'cancelled\') GROUP BY e.id, e.total_tasks HAVING COUNT(t.task_id) < e.total_tasks'),
      tasksWithoutExecution: await ids(`SELECT DISTINCT t.execution_id AS id FROM ${tasks} t LEFT JOIN ${executions} e ON e.id = t.execution_id WHERE e.id IS NULL`),
      casesWithoutExecution: await ids(`SELECT r.execution_id AS id FROM ${retries} r LEFT JOIN ${executions} e ON e.id = r.execution_id ` +
        `LEFT JOIN ${executions} l ON l.id = r.last_execution_id WHERE e.id IS NULL OR l.id IS NULL`)
    }
  }

  /**
   * Closes as recovered the `interrupted` cases of executions that have now
   * succeeded: their instance was cut off, not dead, and finished them. Runs in the
   * transaction that writes the successes.
   */
  async reconcile (session: Session, succeeded: readonly string[], at: number): Promise<void> {
    if (succeeded.length === 0) return
    await session.run(`UPDATE ${this.#t.retries} SET status = 'recovered', recovered_by = execution_id, claimed_by = NULL, ` +
      'claimed_at = NULL, updated_at = ? WHERE execution_id IN (?) AND status = \'pending\' AND reason = \'interrupted\'',
    [sqlDatetime(at), succeeded])
  }
}
