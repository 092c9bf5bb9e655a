/**
 * One flush of records in one transaction (MySQLStorage.writeRecords):
 *
 *   START TRANSACTION
 *     fences       the queued executions' rows locked, their fences read (mysql-fence):
 *                  task rows and cases of a delivery taken over are dropped
 *     executions   upsert, packed under max_allowed_packet; a refused row alone set aside
 *     task_results upsert, the same (rows of an execution refused and absent are set aside too)
 *     blobs        the parts of large inputs and outputs, one prepared statement each
 *     retry_records fenced upsert (mysql-retry)
 *     reconcile    interrupted cases of executions that have now succeeded (mysql-recovery)
 *   COMMIT
 *
 * A crash or a lost connection at any point leaves either all of it or none, so an
 * execution is never terminal in storage without its task rows, a task row never
 * lacks its execution, and a case never points at a missing execution. Every
 * statement is idempotent, so the recorder may send the same batch again.
 */
import { ErrorCodes } from '../../errors.js'
import { rowsOf, type RecordBatch, type RecordKind, type RefusedRecord } from '../storage.js'
import type { RejectedRecord } from './errors.js'
import type { Session } from './pool.js'
import { sendRows, type PacketLimit } from './batch.js'
import { kStoredValue, partSize, placeValue, writeParts, type Part } from './blobs.js'
import { blobKey, executionTuple, taskTuple } from './codec.js'
import { isFencedOut, staleFences } from './fence.js'
import { retryTuple } from './retry.js'
import type { RecoverySql } from './recovery.js'
import type { Statements, Tables } from './statements.js'
import type { Row } from './sql.js'

/** What a records transaction needs from its storage. */
export interface RecordsContext {
  tables: Tables
  sql: Statements
  recovery: RecoverySql
  limit: PacketLimit
}

/**
 * Writes `batch` in one transaction on `session`; resolves with the records set aside.
 * `inputStored[i]` is 1 when execution i's input is committed already: its row keeps
 * the stored one and the bytes are not sent again.
 */
export async function writeRecords (session: Session, batch: RecordBatch, ctx: RecordsContext, inputStored: Uint8Array): Promise<RefusedRecord[]> {
  const { executions, retries } = batch
  // Made here, once per attempt of the transaction: the engine hands task records over as rows to make.
  const tasks = rowsOf(batch.tasks)
  const refused: RefusedRecord[] = []
  const size = partSize(ctx.limit.bytes)
  const note = (kind: RecordKind, list: RejectedRecord[], map: (i: number) => number = i => i): Set<number> => {
    for (const r of list) refused.push({ kind, index: map(r.index), code: r.code, reason: r.reason })
    return new Set(list.map(r => map(r.index)))
  }
  await session.run('START TRANSACTION')
  try {
    const stale = await staleFences(session, ctx.tables.executions, executions, tasks, retries)
    const inputParts: Part[][] = executions.map(() => [])
    const refusedExecutions = note('executions', await sendRows(session, 'executions', ctx.sql.upsertExecutions, executions.length, i => {
      const r = executions[i]
      return executionTuple(r, inputStored[i] === 1 ? kStoredValue : placeValue(r.input, r.executionId, '', size, inputParts[i]))
    }, ctx.limit))
    const absent = await absentExecutions(session, ctx.tables, [...refusedExecutions].map(i => executions[i].executionId))
    // Records that would point at an execution refused and absent are set aside with it;
    // those of a delivery another instance took over are dropped without a word.
    const cascade = (kind: RecordKind, ids: string[], fenced: (i: number) => boolean): number[] => {
      const kept: number[] = []
      for (let i = 0; i < ids.length; i++) {
        if (fenced(i)) continue
        if (!absent.has(ids[i])) kept.push(i)
        else refused.push({ kind, index: i, code: ErrorCodes.STORAGE_ERROR, reason: `its execution ${ids[i]} was refused and is not in storage` })
      }
      return kept
    }

    const keptTasks = cascade('tasks', tasks.map(t => t.executionId), i => isFencedOut(stale, tasks[i].executionId, tasks[i].fence))
    const outputParts: Part[][] = keptTasks.map(() => [])
    const refusedTasks = note('tasks', await sendRows(session, 'task results', ctx.sql.upsertTasks, keptTasks.length, k => {
      const t = tasks[keptTasks[k]]
      return taskTuple(t, placeValue(t.output, t.executionId, blobKey(t), size, outputParts[k]))
    }, ctx.limit), k => keptTasks[k])

    const parts: Part[] = []
    for (let i = 0; i < executions.length; i++) if (!refusedExecutions.has(i)) parts.push(...inputParts[i])
    for (let k = 0; k < keptTasks.length; k++) if (!refusedTasks.has(keptTasks[k])) parts.push(...outputParts[k])
    // A part is a slice of bytes under the packet size: the server has no reason to refuse one.
    await writeParts(session, ctx.sql.upsertBlobs, parts)

    const keptRetries = cascade('retries', retries.map(r => absent.has(r.executionId) ? r.executionId : r.lastExecutionId),
      i => isFencedOut(stale, retries[i].executionId, retries[i].fence))
    note('retries', await sendRows(session, 'retry records', ctx.sql.upsertRetries, keptRetries.length,
      k => retryTuple(retries[keptRetries[k]]), ctx.limit), k => keptRetries[k])

    const succeeded = executions.filter((r, i) => r.status === 'success' && r.retryOf === undefined && !refusedExecutions.has(i))
    // In slices: one statement per thousand ids stays small under any max_allowed_packet.
    for (let at = 0; at < succeeded.length; at += 1000) {
      const slice = succeeded.slice(at, at + 1000)
      await ctx.recovery.reconcile(session, slice.map(r => r.executionId), slice.reduce((t, r) => Math.max(t, r.updatedAt), 0))
    }
    await session.run('COMMIT')
    return refused
  } catch (err) {
    await session.run('ROLLBACK').catch(() => {})
    throw err
  }
}

// Of executions whose row was just refused, those with no row from an earlier write:
// their tasks and cases would point at nothing.
async function absentExecutions (session: Session, tables: Tables, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await session.run(`SELECT id FROM ${tables.executions} WHERE id IN (?)`, [ids]) as Row[]
  const present = new Set(rows.map(r => r.id as string))
  return new Set(ids.filter(id => !present.has(id)))
}
