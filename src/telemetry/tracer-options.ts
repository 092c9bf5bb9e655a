/** Options and counters of the recorder (the tracer and record writer, src/telemetry/recorder.ts). */
import { InvalidOptionsError } from '../errors.js'
import { checkOptionsObject, describeValue, optionKeys } from '../option-keys.js'

export interface TracerOptions {
  /**
   * Spans (or logs) per INSERT.
   * @default 512
   */
  batchSize?: number
  /**
   * Longest time a recorded span or record waits before it is written, in ms.
   * @default 1000
   */
  flushInterval?: number
  /**
   * Spans plus log entries held (buffered or being written) before new ones are dropped.
   * @default 65536
   */
  maxQueueSize?: number
  /**
   * Batches of spans or logs written at once. 1 keeps the order of writes, except on a
   * storage that declares the order changes nothing (`writeConcurrency`: MySQLStorage
   * keeps `connectionLimit - 1` batches in flight whatever this says).
   * @default 1
   */
  concurrency?: number
  /**
   * Storage write retries (not task retries): first delay before a batch whose write
   * failed is written again, in ms; doubles up to `maxWriteRetryDelay`.
   * @default 100
   */
  writeRetryDelay?: number
  /**
   * Longest delay between two tries of a failed batch write, in ms.
   * @default 5000
   */
  maxWriteRetryDelay?: number
  /**
   * Execution, task and failure-case records waiting to be written (buffered or in
   * flight), in estimated bytes, inputs and outputs included, past which the engine
   * accepts no new execution (STORAGE_BACKLOG) until storage catches up. Records
   * already accepted are never dropped: they coalesce by id while they wait.
   * @default 268435456 (256 MiB)
   */
  maxBufferedBytes?: number
}

export type ResolvedTracerOptions = Required<TracerOptions>

export const kTracerDefaults: ResolvedTracerOptions = Object.freeze({
  batchSize: 512,
  flushInterval: 1000,
  maxQueueSize: 65_536,
  concurrency: 1,
  writeRetryDelay: 100,
  maxWriteRetryDelay: 5000,
  maxBufferedBytes: 256 * 1024 * 1024
})

/** Counters of the recorder, exposed by `engine.stats()`. */
export interface TracerStats {
  spansRecorded: number
  spansWritten: number
  /** Spans refused because the buffer was full (`maxQueueSize`). */
  spansDropped: number
  logsRecorded: number
  logsWritten: number
  /** Log entries refused because the buffer was full. */
  logsDropped: number
  /** Execution, task and failure-case records written (a record rewritten on each transition counts each time). */
  recordsWritten: number
  /** Transactions of records committed (one per group: see `Recorder.whenCommitted`). */
  commits: number
  /** Batches of spans or logs written. */
  batchesWritten: number
  /** Failed writes of a batch (each retry that fails counts). */
  writeErrors: number
  /** Spans and logs buffered or being written. */
  pending: number
  /** Estimated bytes of records buffered or being written (bounded by `maxBufferedBytes`). */
  backlogBytes: number
  /**
   * Records, spans and logs that storage refused for good (a value the server will
   * never accept): each set aside alone and logged with its id, the others written.
   */
  rejected: number
  /** Records, spans and logs still unwritten when close() gave up; each logged with its id. */
  lost: number
  /**
   * Times the storage's writer thread died and was started again (MySQLStorage
   * writes on a thread of its own); what it had not written was sent again. 0 for a
   * storage that writes on the main thread.
   */
  writerRestarts: number
}

const kTracerOptionKeys = optionKeys<TracerOptions>({
  batchSize: true, flushInterval: true, maxQueueSize: true, concurrency: true, writeRetryDelay: true, maxWriteRetryDelay: true,
  maxBufferedBytes: true
})

/**
 * The tracer options with their defaults filled in.
 * @throws {InvalidOptionsError} naming the option and the rule, or an unknown key
 */
export function resolveTracerOptions (options: TracerOptions | undefined): ResolvedTracerOptions {
  const resolved: ResolvedTracerOptions = { ...kTracerDefaults, ...checkOptionsObject(options, kTracerOptionKeys, 'tracer') }
  validateTracerOptions(resolved)
  return resolved
}

/** @throws {InvalidOptionsError} naming the option and the rule */
export function validateTracerOptions (o: ResolvedTracerOptions): void {
  for (const key of ['batchSize', 'maxQueueSize', 'concurrency'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) {
      throw new InvalidOptionsError(`tracer.${key} must be a positive integer; got ${describeValue(o[key])}`)
    }
  }
  for (const key of ['flushInterval', 'writeRetryDelay', 'maxWriteRetryDelay'] as const) {
    if (!(o[key] > 0) || !Number.isFinite(o[key])) {
      throw new InvalidOptionsError(`tracer.${key} must be a positive number of ms; got ${describeValue(o[key])}`)
    }
  }
  if (!(o.maxBufferedBytes === Infinity || (Number.isInteger(o.maxBufferedBytes) && o.maxBufferedBytes > 0))) {
    throw new InvalidOptionsError(`tracer.maxBufferedBytes must be a positive integer (bytes) or Infinity; got ${describeValue(o.maxBufferedBytes)}`)
  }
}
