// The engine's counters, as engine.stats() gives them: types only, read by the engine, the
// scheduler and the OpenTelemetry metrics alike.
import type { TracerStats } from './telemetry/tracer-options.js'

/** The scheduler's counters. */
export interface SchedulerStats {
  tasksDispatched: number
  batchesDispatched: number
  tasksInFlight: number
  peakTasksInFlight: number
  tasksQueued: number
  /** Worker threads running a batch (batches in flight, at most one counted per thread). */
  threadsBusy: number
  /**
   * Thread time (ms, summed over threads) spent without a batch while a task was ready:
   * what the main thread's view of the pool counts (a thread is busy from when a batch is
   * sent to it until its answer is read).
   */
  threadIdleWhileReadyMs: number
  workerRestarts: number
  /**
   * Copies of large values (typed arrays of 64 KiB or more, or as many bytes) the main
   * thread has made, in this process (every engine): 0 unless a large output that is
   * kept or taken by several consumers reached it as moved buffers (see README, Values
   * between threads). With its total bytes in `largeValueCopyBytes`.
   */
  largeValueCopies: number
  largeValueCopyBytes: number
}

/** What cached tasks did (see the task option `cache`), since the engine started. */
export interface CacheStats {
  /** Ready cached tasks that took a stored result (or one another run here made meanwhile). */
  hits: number
  /** Ready cached tasks that ran. */
  misses: number
  /** Results written to the cache. */
  stored: number
  /** Stored results that could not be read back (missing parts, corrupt): run again, and logged. */
  unreadable: number
  /** Results the storage refused or failed to write: their tasks run again next time. */
  writeFailures: number
}

/** Counters for monitoring. */
export interface EngineStats {
  instanceId: string
  threads: number
  executionsRunning: number
  executionsStarted: number
  scheduler: SchedulerStats
  cache: CacheStats
  tracer: TracerStats
}
