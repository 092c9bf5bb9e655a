/**
 * Fencing of a flush against the owner of each queued execution.
 *
 *   instance A (delivery 1, froze)      MySQL executions.fence      instance B (delivery 2)
 *                                       1 ◀──────────────────────── takes the redelivery:
 *                                       2 ◀── raiseFence(id, 2) ─── raises it, then reads what to resume
 *   wakes, flushes (fence 1) ─▶ lock the rows, read 2 > 1: its task rows and cases are dropped,
 *                               its execution row left as it is (the upsert compares too)
 *
 * The rows are locked (FOR UPDATE, in id order) in the flush's transaction, so a raise
 * lands either before the flush (which is then dropped) or after it has committed (and
 * the new owner reads what it wrote). Records without a fence (executions run outside
 * the queue) cost nothing here.
 */
import type { RetryRecord, StoredExecution, TaskRecord } from '../../types.js'
import type { Session } from './pool.js'
import type { Row } from './sql.js'

/** Stored fences higher than some record of the batch carries: the executions whose records are to be dropped. */
export async function staleFences (session: Session, table: string, executions: readonly StoredExecution[],
  tasks: readonly TaskRecord[], retries: readonly RetryRecord[]): Promise<Map<string, number>> {
  const carried = new Map<string, number>()
  const note = (id: string, fence: number | undefined): void => {
    if (fence === undefined) return
    const before = carried.get(id)
    if (before === undefined || fence < before) carried.set(id, fence)
  }
  for (const r of executions) note(r.executionId, r.fence)
  for (const t of tasks) note(t.executionId, t.fence)
  for (const r of retries) note(r.executionId, r.fence)
  const stale = new Map<string, number>()
  if (carried.size === 0) return stale
  const rows = await session.run(`SELECT id, fence FROM ${table} WHERE id IN (?) ORDER BY id FOR UPDATE`, [[...carried.keys()]]) as Row[]
  for (const row of rows) {
    const stored = Number(row.fence)
    if (stored > carried.get(row.id as string)!) stale.set(row.id as string, stored)
  }
  return stale
}

/** Whether a record is from a delivery that another has taken over. */
export function isFencedOut (stale: Map<string, number>, executionId: string, fence: number | undefined): boolean {
  if (fence === undefined || stale.size === 0) return false
  const stored = stale.get(executionId)
  return stored !== undefined && stored > fence
}

/**
 * Raises an execution's fence to a delivery's number: from then on writes carrying a
 * lower one change nothing. True when the fence was raised or already this number.
 */
export async function raiseFence (session: Session, table: string, executionId: string, fence: number): Promise<boolean> {
  await session.run(`UPDATE ${table} SET fence = ? WHERE id = ? AND fence < ?`, [fence, executionId, fence])
  const rows = await session.run(`SELECT fence FROM ${table} WHERE id = ?`, [executionId]) as Row[]
  return rows.length === 0 || Number(rows[0].fence) <= fence
}
