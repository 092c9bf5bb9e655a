/**
 * What MySQLStorage gives its writer thread, made from what the engine holds: no
 * SQL, hex or JSON on this thread. Records go as objects whose values are the
 * engine's own bytes (an input committed already goes as nothing), the recorder's
 * spans as columns, log lines with the sequence number that keys each, given here
 * once per entry so that a batch sent again (a retry, or a resend to a restarted
 * writer) adds no duplicate.
 */
import { isSpanRows, rowsOf, type RecordBatch, type RefusedRecord, type RowList } from '../storage.js'
import type { SpanColumns } from '../../telemetry/span-rows.js'
import { spansToWire } from '../../telemetry/span-wire.js'
import type { LogEntry, SpanRecord, TaskRecord } from '../../types.js'
import type { PacketLimit } from './batch.js'
import { WriterCrashError, type WriterLink } from './writer-link.js'
import { rejectionError } from './errors.js'

const kNoBytes = new Uint8Array(0)

/** The writes of one MySQLStorage, handed to its writer thread. */
export class HandOver {
  readonly #link: WriterLink
  readonly #limit: PacketLimit
  // Inputs already committed: later writes of their execution do not send them again.
  readonly #storedInputs = new WeakSet<Uint8Array>()
  readonly #logSeqs = new WeakMap<LogEntry, number>()
  #lastSeq = 0

  constructor (link: WriterLink, limit: PacketLimit) {
    this.#link = link
    this.#limit = limit
  }

  /** One transaction of records; resolves with the records refused for good. */
  async records (batch: RecordBatch): Promise<RefusedRecord[]> {
    const stored = this.#storedInputs
    const inputStored = new Uint8Array(batch.executions.length)
    const executions = batch.executions.slice()
    for (let i = 0; i < executions.length; i++) {
      if (!stored.has(executions[i].input)) continue
      inputStored[i] = 1
      executions[i] = { ...executions[i], input: kNoBytes }
    }
    const tasks = rowsOf(batch.tasks) as TaskRecord[]
    const refused = await this.#link.request({
      op: 'records', packet: this.#limit.bytes, executions, inputStored, tasks, retries: [...batch.retries]
    }).catch((err: unknown) => {
      if (!(err instanceof WriterCrashError)) throw err
      return refuseAll(batch, tasks.length, err)
    })
    const out = new Set<number>()
    for (const r of refused) if (r.kind === 'executions') out.add(r.index)
    for (let i = 0; i < batch.executions.length; i++) if (!out.has(i)) stored.add(batch.executions[i].input)
    return refused
  }

  /** Spans: the recorder's columns as they are, any other list as columns of its rows' fields. */
  async spans (spans: RowList<SpanRecord>): Promise<void> {
    const wire = isSpanRows(spans) && typeof (spans as Partial<SpanColumns>).toWire === 'function'
      ? (spans as SpanColumns).toWire()
      : spansToWire(rowsOf(spans) as SpanRecord[])
    await this.#link.request({ op: 'spans', packet: this.#limit.bytes, spans: wire }).catch(setAside(spans.length))
  }

  /** Log lines with their sequence numbers. */
  async logs (entries: readonly LogEntry[]): Promise<void> {
    const seqs = new Float64Array(entries.length)
    for (let i = 0; i < entries.length; i++) seqs[i] = this.#seqOf(entries[i])
    await this.#link.request({ op: 'logs', packet: this.#limit.bytes, entries: entries as LogEntry[], seqs }).catch(setAside(entries.length))
  }

  // Increasing within this process and close to the clock in µs, so that lines of one
  // execution sort in the order they were recorded.
  #seqOf (entry: LogEntry): number {
    let seq = this.#logSeqs.get(entry)
    if (seq === undefined) {
      seq = this.#lastSeq = Math.max(this.#lastSeq + 1, Date.now() * 1000)
      this.#logSeqs.set(entry, seq)
    }
    return seq
  }
}

// A batch the writer thread could not survive: each of its records refused, for the
// recorder to log by id and count, instead of a retry that would kill the thread again.
function refuseAll (batch: RecordBatch, tasks: number, err: WriterCrashError): RefusedRecord[] {
  const refused: RefusedRecord[] = []
  const add = (kind: RefusedRecord['kind'], n: number): void => {
    for (let index = 0; index < n; index++) refused.push({ kind, index, code: err.code, reason: err.message })
  }
  add('executions', batch.executions.length)
  add('tasks', tasks)
  add('retries', batch.retries.length)
  return refused
}

// The same for spans and log lines: every row named as refused (see TelemetryWriter).
function setAside (n: number): (err: unknown) => never {
  return err => {
    if (!(err instanceof WriterCrashError)) throw err
    throw rejectionError(Array.from({ length: n }, (_, index) => ({ index, code: err.code, reason: err.message })), n)
  }
}
