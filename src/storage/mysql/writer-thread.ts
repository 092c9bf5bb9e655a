/**
 * The writer thread of a MySQLStorage (built as dist/mysql-writer.cjs): everything
 * the recorder's writes cost in CPU and sockets, off the host's event loop.
 *
 *   main thread (WriterLink)                  this thread                                   server
 *   records: objects, values as bytes ──▶ rows to SQL, values in parts, one transaction ──▶ InnoDB
 *   spans: columns / logs: lines + seqs ──▶ packed multi-row INSERTs (mysql-batch) ──────▶
 *   ◀── { id, ok, refused } or { id, error } as plain data
 *
 * Each request is one attempt: the recorder on the main thread decides retries and
 * keeps what it asked for until it is answered, so this thread holds nothing that
 * is not also held there, and may die at any point without a record being lost.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { ConnectionPool } from './pool.js'
import { packRows, sendPacked, type InsertSql, type PacketLimit } from './batch.js'
import { statements, tables } from './statements.js'
import { RecoverySql } from './recovery.js'
import { writeRecords, type RecordsContext } from './records.js'
import { SpanTuples } from './span-codec.js'
import { logTuple } from './telemetry-codec.js'
import { rejectionError, type RejectedRecord } from './errors.js'
import { toWireError, type WriterControl, type WriterReply, type WriterRequest, type WriterSettings } from './writer-protocol.js'
import type { ResolvedMySQLOptions } from './options.js'
import type { RefusedRecord } from '../storage.js'

const settings = workerData as WriterSettings
const target = `${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`
const pool = new ConnectionPool(settings as ResolvedMySQLOptions, {
  connectionLimit: settings.connectionLimit, connectTimeout: settings.connectTimeout, queryTimeout: settings.queryTimeout, timeoutOption: 'queryTimeout'
}, target)
const t = tables(settings.tablePrefix)
const sql = statements(t)
// NaN until the first request says what the main thread read; lowered here when the server says so.
const limit: PacketLimit = { bytes: NaN }
const ctx: RecordsContext = { tables: t, sql, recovery: new RecoverySql(t), limit }

// Async, so that anything thrown while reading a request answers it rather than ending the thread.
async function handle (req: WriterRequest): Promise<RefusedRecord[]> {
  if (limit.bytes !== limit.bytes) limit.bytes = req.packet
  switch (req.op) {
    case 'records': {
      if (settings.crashOn !== undefined && req.executions.some(e => e.executionId === settings.crashOn)) process.exit(70)
      const batch = { executions: req.executions, tasks: req.tasks, retries: req.retries }
      return await pool.use('writing records', session => writeRecords(session, batch, ctx, req.inputStored))
    }
    case 'spans': {
      const rows = new SpanTuples(req.spans)
      return await insert('spans', sql.insertSpans, rows.length, k => rows.tuple(k))
    }
    case 'logs':
      return await insert('logs', sql.insertLogs, req.entries.length, i => logTuple(req.entries[i], req.seqs[i]))
  }
}

// Spans and logs: packed statements, not a transaction (each row is keyed, so a resend
// of a batch cut half-way adds nothing twice); a refused row is set aside alone. The
// first statement is made before the connection is asked for.
async function insert (what: string, statement: InsertSql, n: number, tuple: (i: number) => string): Promise<RefusedRecord[]> {
  if (n === 0) return []
  const rejected: RejectedRecord[] = []
  const packed = packRows(what, statement, n, tuple, limit.bytes, rejected)
  const first = packed.next()
  if (first.done !== true) {
    await pool.use(`writing ${what}`, session => sendPacked(session, statement, packed, limit, rejected, first.value, tuple))
  }
  if (rejected.length > 0) throw rejectionError(rejected.sort((a, b) => a.index - b.index), n)
  return []
}

const port = parentPort!
port.on('message', (msg: WriterRequest | WriterControl) => {
  if (msg.op === 'fault') {
    settings.crashOn = msg.executionId
    return
  }
  if (msg.op === 'close') {
    // Bounded by the pool's close (about 2.5 s); the thread ends once its sockets are gone.
    void pool.close().finally(() => port.close())
    return
  }
  handle(msg).then(
    refused => port.postMessage({ id: msg.id, ok: true, refused } satisfies WriterReply),
    (err: unknown) => port.postMessage({ id: msg.id, ok: false, error: toWireError(err) } satisfies WriterReply))
})
