/**
 * Inputs and outputs too large for their row, stored in parts in `<prefix>blobs`
 * (migration 003): one row per part, each small enough for its own statement
 * under max_allowed_packet, written in the transaction of the record they belong
 * to. A value of any size the process can hold is kept this way; the largest one
 * that can be read back is what one Buffer holds.
 *
 * Values of kInlineMax bytes or more always go in parts, and each part is its own
 * prepared statement with the bytes as a binary parameter: no hex text of a large
 * value is made on the main thread, and no step of a write copies more than one
 * part, so that a host's event loop is never held for long by a large output
 * Smaller values stay inline in their row, as hex in the packed INSERT.
 */
import { ErrorCodes, StorageError } from '../../errors.js'
import type { InlineValue } from './codec.js'
import type { Session } from './pool.js'
import { sqlValue, type Row } from './sql.js'

/** One part of a value, as a view into the value's bytes. */
export interface Part { executionId: string, taskId: string, part: number, bytes: Uint8Array }

// Room left in a statement for the rest of the row (bounded text stays under 1 MiB).
const kRowRoom = 1024 * 1024
const kMinPart = 64 * 1024
// Larger parts save little, and each is copied into its packet in one step.
const kMaxPart = 256 * 1024
// From this size a value goes in parts even when its row could hold it.
const kInlineMax = 64 * 1024

/**
 * Bytes per part under a server's max_allowed_packet (counted as if it went as hex,
 * two characters a byte, beside at most kRowRoom of other columns). Values under
 * the smaller of this and kInlineMax stay inline in their row.
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
  if (value.byteLength < kInlineMax && value.byteLength <= size) return { literal: sqlValue(value), parts: 0 }
  let n = 0
  for (let at = 0; at < value.byteLength; at += size) parts.push({ executionId, taskId, part: n++, bytes: value.subarray(at, at + size) })
  return { literal: kEmpty.literal, parts: n }
}

/** An input already in storage: the row keeps what it has (the upsert never updates `input`). */
export const kStoredValue: InlineValue = kEmpty

/** The upsert of one part, a prepared statement: a part sent again (a retried transaction) replaces itself. */
export function blobSql (table: string): string {
  return `INSERT INTO ${table} (execution_id, task_id, part, bytes) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE bytes = VALUES(bytes)`
}

/**
 * Writes `parts` one prepared statement each, their bytes as binary parameters (a
 * Buffer over the same memory, shared or not: never copied into hex text).
 */
export async function writeParts (session: Session, sql: string, parts: readonly Part[]): Promise<void> {
  for (const p of parts) {
    const bytes = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength)
    await session.execute(sql, [p.executionId, p.taskId, p.part, bytes])
  }
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
