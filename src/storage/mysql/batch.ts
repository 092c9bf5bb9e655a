/**
 * Rows to statements: as few multi-row INSERTs as max_allowed_packet allows, and
 * the one row the server refuses found and set aside, so that the others go in.
 */
import { ErrorCodes } from '../../errors.js'
import { isRowDataError, type RejectedRecord } from './errors.js'
import type { Session } from './pool.js'

/** A multi-row INSERT: `head` + `(..),(..)` + `tail`. */
export interface InsertSql { head: string, tail: string }

/** The rows of one statement: their SQL tuples and their indices in the batch. */
export interface Statement { parts: string[], rows: number[] }

// Room for the COM_QUERY header and the packet framing under max_allowed_packet.
const kPacketMargin = 1024

/**
 * Splits a batch into as few statements as fit under `maxPacket` bytes, made one at
 * a time as they are consumed (the parts of a value of a GB never sit in memory as
 * SQL all at once). A row that cannot be encoded, or that alone would exceed the
 * limit, is left out and added to `rejected`: the server would refuse the whole
 * statement (and drop the connection), and sending it again would never help.
 */
export function * packRows (what: string, sql: InsertSql, n: number, tuple: (i: number) => string,
  maxPacket: number, rejected: RejectedRecord[]): Generator<Statement> {
  const limit = maxPacket - kPacketMargin
  const fixed = Buffer.byteLength(sql.head) + Buffer.byteLength(sql.tail)
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
      yield current
      current = { parts: [], rows: [] }
      size = fixed
    }
    current.parts.push(text)
    current.rows.push(i)
    size += bytes + 1
  }
  if (current.parts.length > 0) yield current
}

/** The server's max_allowed_packet as this storage knows it; lowered when the server says it is lower. */
export interface PacketLimit { bytes: number }

/**
 * Sends `n` rows as packed statements on `session` and resolves with the rows left
 * out: too large for any statement, not encodable, or refused by the server for
 * their values (strict mode). Inside a transaction a refused statement is rolled
 * back alone, so its rows are then sent one by one to find the one at fault.
 * Rejects on anything else (connection trouble, a lock wait), for the caller to retry.
 */
export async function sendRows (session: Session, what: string, sql: InsertSql, n: number, tuple: (i: number) => string,
  limit: PacketLimit): Promise<RejectedRecord[]> {
  const rejected: RejectedRecord[] = []
  if (n === 0) return rejected
  await sendPacked(session, sql, packRows(what, sql, n, tuple, limit.bytes, rejected), limit, rejected)
  return rejected.sort((a, b) => a.index - b.index)
}

/**
 * Sends the statements of `packed` (packRows, which adds the rows it leaves out to
 * `rejected`) on `session`, adding the rows the server refuses to `rejected`; `first`
 * is a statement taken from `packed` already (made before a connection was free).
 * With `retuple` (the tuple function again, for rows whose encoding has no side
 * effect), a statement's tuples are let go once joined, and made again only if the
 * server refuses the statement: the parts of every tuple would otherwise live through
 * the server's round trip, outlive the young generation and burden the GC.
 */
export async function sendPacked (session: Session, sql: InsertSql, packed: Iterator<Statement>, limit: PacketLimit,
  rejected: RejectedRecord[], first?: Statement, retuple?: (i: number) => string): Promise<void> {
  let batch = first
  if (batch === undefined) {
    const next = packed.next()
    if (next.done === true) return
    batch = next.value
  }
  for (;;) {
    await sendStatement(session, sql, batch, limit, rejected, retuple)
    const next = packed.next()
    if (next.done === true) return
    batch = next.value
  }
}

async function sendStatement (session: Session, sql: InsertSql, batch: Statement, limit: PacketLimit, rejected: RejectedRecord[],
  retuple?: (i: number) => string): Promise<void> {
  const text = sql.head + batch.parts.join(',') + sql.tail
  if (retuple !== undefined) batch.parts = []
  try {
    await session.run(text)
  } catch (err) {
    if ((err as { errno?: number }).errno === 1153) {
      // ER_NET_PACKET_TOO_LARGE: the server's limit is lower than the one read at init
      // (a global changed since). Halve ours, so that the retry sends smaller statements.
      limit.bytes = Math.max(64 * 1024, Math.floor(limit.bytes / 2))
      throw err
    }
    if (!isRowDataError(err)) throw err
    for (let r = 0; r < batch.rows.length; r++) {
      try {
        await session.run(sql.head + (retuple !== undefined ? retuple(batch.rows[r]) : batch.parts[r]) + sql.tail)
      } catch (rowErr) {
        if (!isRowDataError(rowErr)) throw rowErr
        rejected.push({ index: batch.rows[r], code: ErrorCodes.STORAGE_ERROR, reason: (rowErr as Error).message })
      }
    }
  }
}
