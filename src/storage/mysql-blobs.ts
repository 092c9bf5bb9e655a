/**
 * Inputs and outputs too large for their row, stored in parts in `<prefix>blobs`
 * (migration 003): one row per part, each small enough for its own statement
 * under max_allowed_packet, written in the transaction of the record they belong
 * to. A value of any size the process can hold is kept this way; the largest one
 * that can be read back is what one Buffer holds.
 */
import { ErrorCodes, StorageError } from '../errors.js'
import type { InlineValue } from './mysql-codec.js'
import type { InsertSql } from './mysql-batch.js'
import type { Session } from './mysql-pool.js'
import { sqlValue, type Row } from './mysql-sql.js'

/** One part of a value, as a view into the value's bytes. */
export interface Part { executionId: string, taskId: string, part: number, bytes: Uint8Array }

// Room left in a statement for the rest of the row (bounded text stays under 1 MiB).
const kRowRoom = 1024 * 1024
const kMinPart = 64 * 1024
// Larger parts save little: at 4 MiB a part's statement takes ~20 ms on localhost.
const kMaxPart = 4 * 1024 * 1024

/**
 * Bytes per part under a server's max_allowed_packet: a part goes as hex (two
 * characters a byte), beside at most kRowRoom of other columns. Values up to this
 * size stay inline in their row.
 */
export function partSize (maxPacket: number): number {
  return Math.min(kMaxPart, Math.max(kMinPart, Math.floor((maxPacket - kRowRoom) / 2)))
}

const kEmpty: InlineValue = Object.freeze({ literal: "X''", parts: 0 })

/**
 * How `value` goes into its row: inline when it fits, else an empty value and its
 * parts appended to `parts`. `taskId` is '' for an execution input.
 */
export function placeValue (value: Uint8Array | undefined, executionId: string, taskId: string, size: number, parts: Part[]): InlineValue {
  if (value === undefined) return { literal: 'NULL', parts: 0 }
  if (value.byteLength <= size) return { literal: sqlValue(value), parts: 0 }
  let n = 0
  for (let at = 0; at < value.byteLength; at += size) parts.push({ executionId, taskId, part: n++, bytes: value.subarray(at, at + size) })
  return { literal: kEmpty.literal, parts: n }
}

/** An input already in storage: the row keeps what it has (the upsert never updates `input`). */
export const kStoredValue: InlineValue = kEmpty

/** The upsert of parts: a part sent again (a retried transaction) replaces itself. */
export function blobSql (table: string): InsertSql {
  return {
    head: `INSERT INTO ${table} (execution_id, task_id, part, bytes) VALUES `,
    tail: ' ON DUPLICATE KEY UPDATE bytes = VALUES(bytes)'
  }
}

/** A part as a SQL tuple (its bytes as a hex literal). */
export function partTuple (p: Part): string {
  return '(' + sqlValue(p.executionId) + ',' + sqlValue(p.taskId) + ',' + p.part + ',' + sqlValue(p.bytes) + ')'
}

/**
 * The value stored in `parts` parts, put back together.
 * @throws {StorageError} STORAGE_ERROR when parts are missing (a database written by hand)
 */
export async function readValue (session: Session, table: string, executionId: string, taskId: string, parts: number): Promise<Uint8Array> {
  const rows = await session.run(`SELECT bytes FROM ${table} WHERE execution_id = ? AND task_id = ? AND part < ? ORDER BY part`,
    [executionId, taskId, parts]) as Row[]
  if (rows.length !== parts) {
    throw new StorageError(ErrorCodes.STORAGE_ERROR,
      `the ${taskId === '' ? 'input of execution' : `output of task "${taskId}" of execution`} ${executionId} has ${rows.length} of its ${parts} parts in ${table}`)
  }
  let total = 0
  for (const row of rows) total += (row.bytes as Uint8Array).byteLength
  const out = new Uint8Array(total)
  let at = 0
  for (const row of rows) {
    out.set(row.bytes as Uint8Array, at)
    at += (row.bytes as Uint8Array).byteLength
  }
  return out
}
