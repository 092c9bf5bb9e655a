import { ErrorCodes } from '../errors.js'
import type { RejectedRecord } from './mysql-errors.js'

/** A multi-row INSERT: `head` + `(..),(..)` + `tail`. */
export interface InsertSql { head: string, tail: string }

/** The rows of one statement: their SQL tuples and their indices in the batch. */
export interface Statement { parts: string[], rows: number[] }

// Room for the COM_QUERY header and the packet framing under max_allowed_packet.
const kPacketMargin = 1024

/**
 * Splits a batch into as few statements as fit under `maxPacket` bytes. A row that
 * cannot be encoded, or that alone would exceed the limit, is left out and added to
 * `rejected`: the server would refuse the whole statement (and drop the connection),
 * and sending it again would never help.
 */
export function packRows (what: string, sql: InsertSql, n: number, tuple: (i: number) => string,
  maxPacket: number, rejected: RejectedRecord[]): Statement[] {
  const limit = maxPacket - kPacketMargin
  const fixed = Buffer.byteLength(sql.head) + Buffer.byteLength(sql.tail)
  const out: Statement[] = []
  let current: Statement = { parts: [], rows: [] }
  let size = fixed
  for (let i = 0; i < n; i++) {
    let text: string
    try {
      text = tuple(i)
    } catch (err) {
      rejected.push({ index: i, code: ErrorCodes.STORAGE_ERROR, reason: `cannot be encoded: ${(err as Error).message}` })
      continue
    }
    // A UTF-16 unit is at most 3 UTF-8 bytes: count exactly only when the bound comes close.
    let bytes = text.length * 3
    if (fixed + bytes > limit) bytes = Buffer.byteLength(text)
    if (fixed + bytes > limit) {
      rejected.push({
        index: i,
        code: ErrorCodes.RECORD_TOO_LARGE,
        reason: `the ${what} row is ${bytes} bytes as SQL, more than the server's max_allowed_packet (${maxPacket}) allows`
      })
      continue
    }
    if (size + bytes + 1 > limit && current.parts.length > 0) {
      out.push(current)
      current = { parts: [], rows: [] }
      size = fixed
    }
    current.parts.push(text)
    current.rows.push(i)
    size += bytes + 1
  }
  if (current.parts.length > 0) out.push(current)
  return out
}
