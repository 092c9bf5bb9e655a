/** Options and counters of the recorder (the tracer and record writer, src/telemetry/recorder.ts). */
import { InvalidOptionsError } from '../errors.js'

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
   * Batches written at once. 1 keeps the order of writes.
   * @default 1
   */
  concurrency?: number
  /**
   * First delay before a failed batch is written again, in ms; doubles up to `maxRetryDelay`.
   * @default 100
   */
  retryDelay?: number
  /**
   * @default 5000
   */
  maxRetryDelay?: number
}

export type ResolvedTracerOptions = Required<TracerOptions>

export const kTracerDefaults: ResolvedTracerOptions = Object.freeze({
  batchSize: 512,
  flushInterval: 1000,
  maxQueueSize: 65_536,
  concurrency: 1,
  retryDelay: 100,
  maxRetryDelay: 5000
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
  /** Execution and task records written (a record rewritten on each transition counts each time). */
  recordsWritten: number
  batchesWritten: number
  /** Failed writes of a batch (each retry that fails counts). */
  writeErrors: number
  /** Spans and logs buffered or being written. */
  pending: number
  /**
   * Records, spans and logs that will never be written: refused by storage for good
   * (RECORD_TOO_LARGE and the like), or still unwritten when close() gave up. Each is
   * logged with its id.
   */
  lost: number
}

export function validateTracerOptions (o: ResolvedTracerOptions): void {
  for (const key of ['batchSize', 'maxQueueSize', 'concurrency'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) {
      throw new InvalidOptionsError(`tracer.${key} must be a positive integer`)
    }
  }
  for (const key of ['flushInterval', 'retryDelay', 'maxRetryDelay'] as const) {
    if (!(o[key] > 0) || !Number.isFinite(o[key])) {
      throw new InvalidOptionsError(`tracer.${key} must be a positive number of ms`)
    }
  }
}
