/**
 * What MySQLStorage and its writer thread say to each other. Requests carry what
 * the engine holds already (records as objects whose values are the engine's own
 * bytes, shared when they are in a SharedArrayBuffer, spans as columns, log lines
 * with the sequence numbers that key them); no SQL, hex or JSON is made before they
 * cross. Every request is answered once, by id.
 */
import { ErrorCodes, StorageError, type ErrorCode } from '../../errors.js'
import type { LogEntry, RetryRecord, StoredExecution, TaskRecord } from '../../types.js'
import type { RefusedRecord } from '../storage.js'
import type { WireSpans } from '../../telemetry/span-wire.js'
import type { RejectedRecord } from './errors.js'
import type { ResolvedMySQLOptions } from './options.js'

/** Settings the writer thread starts with (workerData): the storage's own, where to connect and how. */
export type WriterSettings = Pick<ResolvedMySQLOptions,
  'host' | 'port' | 'user' | 'password' | 'database' | 'tablePrefix' | 'connectionLimit' | 'connectTimeout' | 'queryTimeout'> & {
  /** Die when handed the records of this execution (kWriterFault, for tests). */
  crashOn?: string
}

/** One flush of records, one transaction. */
interface RecordsRequest {
  op: 'records'
  id: number
  /** max_allowed_packet as the main thread read it at init. */
  packet: number
  executions: StoredExecution[]
  /** 1 where the execution's input is committed already (sent empty, kept as stored). */
  inputStored: Uint8Array
  tasks: TaskRecord[]
  retries: RetryRecord[]
}

/** Spans as columns: the recorder's task spans, and any given as objects (span-wire.ts). */
interface SpansRequest { op: 'spans', id: number, packet: number, spans: WireSpans }

/** Log lines and their sequence numbers, given once on the main thread so that a resend keeps them. */
interface LogsRequest { op: 'logs', id: number, packet: number, entries: LogEntry[], seqs: Float64Array }

export type WriterRequest = RecordsRequest | SpansRequest | LogsRequest

/** Messages that are not requests: no answer. */
export type WriterControl = { op: 'close' } | { op: 'fault', executionId: string }

/** The writer thread's answer to request `id`. */
export type WriterReply =
  | { id: number, ok: true, refused: RefusedRecord[] }
  | { id: number, ok: false, error: WireError }

/** An error as plain data: a class, `name` and `code` do not survive postMessage. */
interface WireError { code: ErrorCode, message: string, rejected?: RejectedRecord[] }

export function toWireError (err: unknown): WireError {
  const e = err as { code?: unknown, message?: unknown, rejected?: RejectedRecord[] } | null
  const wire: WireError = {
    code: err instanceof StorageError ? err.code : ErrorCodes.STORAGE_ERROR,
    message: typeof e?.message === 'string' ? e.message : String(err)
  }
  if (Array.isArray(e?.rejected)) wire.rejected = e.rejected
  return wire
}

/** The StorageError a wire error stands for, with its `rejected` list when it has one. */
export function fromWireError (wire: WireError): StorageError {
  const err = new StorageError(wire.code, wire.message)
  return wire.rejected === undefined ? err : Object.assign(err, { rejected: wire.rejected })
}
