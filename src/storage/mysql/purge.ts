/**
 * Removal of finished executions past retention, with their task results, stored
 * values and closed failure cases, in short transactions that touch only old rows.
 *
 *   scan (no locks): by_started index, oldest first ──▶ up to 500 candidates
 *   per chunk of ~2,000 rows, one transaction:
 *     SELECT ... FOR UPDATE by primary key ─▶ still finished and old?
 *     open cases pointing at them (FOR UPDATE, by key) ─▶ those are kept
 *     DELETE blobs, task_results, closed cases, executions (by key) ─▶ COMMIT
 *
 * Every statement finds its rows by key, so the row locks are on old rows only,
 * never on the ranges that new executions are written to; an execution that is
 * running, or that an open (pending, retrying) case points at, is never removed.
 */
import type { Session } from './pool.js'
import { sqlDatetime, type Row } from './sql.js'

/** Quoted tables the purge of executions touches. */
export interface PurgeTables { executions: string, tasks: string, blobs: string, retries: string }

/** Rows removed (or, in a dry run, that would be) from the tables of executions. */
export interface ExecutionsRemoved {
  executions: number
  taskResults: number
  /** Parts of inputs and outputs stored aside (the blobs table). */
  blobs: number
  /** Closed failure cases (recovered, abandoned) of the executions removed. */
  retryRecords: number
}

const kFinished = ['success', 'failed', 'cancelled', 'interrupted']
const kOpenCases = ['pending', 'retrying']
// Candidates read per scan, and rows (executions plus their task rows) per transaction:
// a transaction of a few thousand deletes by key holds its locks for milliseconds.
const kScanBatch = 500
const kRowsPerTransaction = 2000

/**
 * Removes the finished executions last changed before `cut`, except those an open
 * failure case points at (its execution or its latest attempt).
 * @param dryRun count what would go, change nothing
 */
export async function purgeExecutions (session: Session, t: PurgeTables, cut: number, dryRun: boolean): Promise<ExecutionsRemoved> {
  const removed: ExecutionsRemoved = { executions: 0, taskResults: 0, blobs: 0, retryRecords: 0 }
  const before = sqlDatetime(cut)
  let after = { startedAt: '0000-01-01 00:00:00.000000', id: '' }
  for (;;) {
    // A consistent read: no locks. Keyset paging on (started_at, id), which by_started holds.
    const rows = await session.run(`SELECT id, started_at, total_tasks FROM ${t.executions} ` +
      'WHERE started_at >= ? AND started_at < ? AND (started_at > ? OR id > ?) AND updated_at < ? AND status IN (?) ' +
      `ORDER BY started_at, id LIMIT ${kScanBatch}`,
    [after.startedAt, before, after.startedAt, after.id, before, kFinished]) as Row[]
    if (rows.length === 0) break
    const last = rows[rows.length - 1]
    after = { startedAt: String(last.started_at), id: String(last.id) }
    for (const chunk of chunks(rows)) {
      const done = dryRun ? await count(session, t, chunk, before) : await remove(session, t, chunk, before)
      removed.executions += done.executions
      removed.taskResults += done.taskResults
      removed.blobs += done.blobs
      removed.retryRecords += done.retryRecords
    }
    if (rows.length < kScanBatch) break
  }
  return removed
}

// Candidates grouped so that each transaction deletes about kRowsPerTransaction rows.
function * chunks (rows: Row[]): Generator<string[]> {
  let ids: string[] = []
  let size = 0
  for (const row of rows) {
    ids.push(String(row.id))
    size += 1 + Number(row.total_tasks)
    if (size >= kRowsPerTransaction) {
      yield ids
      ids = []
      size = 0
    }
  }
  if (ids.length > 0) yield ids
}

async function remove (session: Session, t: PurgeTables, candidates: string[], before: string): Promise<ExecutionsRemoved> {
  await session.run('START TRANSACTION')
  try {
    // Under lock and by key: still finished and old (a late write may have changed it since the scan)?
    const locked = await session.run(`SELECT id FROM ${t.executions} WHERE id IN (?) AND status IN (?) AND updated_at < ? FOR UPDATE`,
      [candidates, kFinished, before]) as Row[]
    const { ids, closedCases } = await sparing(session, t, locked.map(r => String(r.id)), ' FOR UPDATE')
    const removed: ExecutionsRemoved = { executions: 0, taskResults: 0, blobs: 0, retryRecords: 0 }
    if (ids.length > 0) {
      removed.blobs = await affected(session, `DELETE FROM ${t.blobs} WHERE execution_id IN (?)`, [ids])
      removed.taskResults = await affected(session, `DELETE FROM ${t.tasks} WHERE execution_id IN (?)`, [ids])
      if (closedCases.length > 0) {
        removed.retryRecords = await affected(session, `DELETE FROM ${t.retries} WHERE execution_id IN (?) AND status NOT IN (?)`, [closedCases, kOpenCases])
      }
      removed.executions = await affected(session, `DELETE FROM ${t.executions} WHERE id IN (?)`, [ids])
    }
    await session.run('COMMIT')
    return removed
  } catch (err) {
    await session.run('ROLLBACK').catch(() => {})
    throw err
  }
}

async function count (session: Session, t: PurgeTables, candidates: string[], before: string): Promise<ExecutionsRemoved> {
  const still = await session.run(`SELECT id FROM ${t.executions} WHERE id IN (?) AND status IN (?) AND updated_at < ?`,
    [candidates, kFinished, before]) as Row[]
  const { ids, closedCases } = await sparing(session, t, still.map(r => String(r.id)), '')
  if (ids.length === 0) return { executions: 0, taskResults: 0, blobs: 0, retryRecords: 0 }
  const n = async (sql: string, params: unknown[]): Promise<number> => Number((await session.run(sql, params) as Row[])[0].n)
  return {
    executions: ids.length,
    taskResults: await n(`SELECT COUNT(*) AS n FROM ${t.tasks} WHERE execution_id IN (?)`, [ids]),
    blobs: await n(`SELECT COUNT(*) AS n FROM ${t.blobs} WHERE execution_id IN (?)`, [ids]),
    retryRecords: closedCases.length
  }
}

/**
 * The failure cases that point at `ids` (as their execution or their latest attempt),
 * read by key: the ids an open case points at are kept; the closed cases pointing at
 * the others go with them, so that no case is left pointing at a removed execution.
 */
async function sparing (session: Session, t: PurgeTables, ids: string[], lock: string): Promise<{ ids: string[], closedCases: string[] }> {
  if (ids.length === 0) return { ids, closedCases: [] }
  const cases = [
    ...await session.run(`SELECT execution_id, last_execution_id, status FROM ${t.retries} WHERE execution_id IN (?)${lock}`, [ids]) as Row[],
    ...await session.run(`SELECT execution_id, last_execution_id, status FROM ${t.retries} WHERE last_execution_id IN (?)${lock}`, [ids]) as Row[]
  ]
  const kept = new Set<string>()
  for (const c of cases) {
    if (kOpenCases.includes(String(c.status))) {
      kept.add(String(c.execution_id))
      kept.add(String(c.last_execution_id))
    }
  }
  const closedCases = new Set<string>()
  for (const c of cases) if (!kOpenCases.includes(String(c.status))) closedCases.add(String(c.execution_id))
  return { ids: ids.filter(id => !kept.has(id)), closedCases: [...closedCases] }
}

async function affected (session: Session, sql: string, params: unknown[]): Promise<number> {
  return (await session.run(sql, params) as { affectedRows: number }).affectedRows
}
