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

/** Counters for monitoring. */
export interface EngineStats {
  instanceId: string
  threads: number
  executionsRunning: number
  executionsStarted: number
  scheduler: SchedulerStats
  tracer: TracerStats
}
