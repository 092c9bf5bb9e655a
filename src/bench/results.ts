/**
 * What a suite run produces: the figures of each case and the machine they were
 * measured on. This is also the format of a saved baseline (`--save`) and of `--json`.
 * Times are in ms.
 */

/** Latency of one execution at a time over all rounds: tinybench's statistics. */
export interface LatencyStats {
  mean: number
  p50: number
  p75: number
  p99: number
  min: number
  max: number
  /** Standard deviation of the samples. */
  sd: number
  /** Relative margin of error of the mean, percent (95% confidence). */
  rme: number
  /** Samples taken. */
  samples: number
  /**
   * The samples of each round, sorted, thinned evenly to at most 1000 in all (a quantile
   * sample), so that a later `--compare` can test against them.
   */
  rounds: number[][]
  /**
   * Whether two rounds agreed on the lowest median (latency.ts): false when the machine
   * was busy throughout, and a comparison with this case is then inconclusive.
   */
  settled: boolean
  /**
   * Each round's fastest execution: one unit per round, what a comparison tests
   * (verdict.ts). Absent in runs saved before it was kept; their rounds' lowest kept
   * samples stand in.
   */
  fastest?: number[]
  /**
   * Looks the sampler compared this case at, against a baseline (verdict.ts): a
   * comparison spends alpha / looks at its last. 1, or absent, when there was none.
   */
  looks?: number
  /** Each round's contention: run-queue wait of this process's threads over wall time (contention.ts). */
  contention: number[]
}

/** Executions a throughput point rests on at least, past its time budget if need be (measure.ts). */
export const kThroughputFloor = 20

/** One point of the throughput curve: `concurrency` executions kept in flight, at least kThroughputFloor of them in all. */
export interface ThroughputPoint {
  concurrency: number
  executions: number
  durationMs: number
  executionsPerSecond: number
  tasksPerSecond: number
  /** Task run time (in the workers) over threads x wall time, 0 to 1. */
  cpuEfficiency: number
  /** performance.eventLoopUtilization of the main thread over the point, 0 to 1. */
  mainThreadUtilisation: number
}

/** One task's mean timings over the traced executions of the latency rounds. */
export interface TaskTiming {
  taskId: string
  /** Mean time from ready to started. */
  queueWait: number
  /** Mean run time in the worker. */
  run: number
  /** On the critical path: the chain of dependencies with the largest wait + run. */
  critical: boolean
}

/**
 * One task's units, one per latency round, from the traced executions of that round: its
 * fastest run time and fastest queue wait (null where no execution of the round was traced).
 */
export interface TaskRounds {
  taskId: string
  run: Array<number | null>
  queueWait: Array<number | null>
}

/** The figures of one case (a workflow, an input, a thread count). */
export interface CaseResult {
  id: string
  suite: string
  workflowId: string
  caseName: string
  threads: number
  tasks: number
  latency: LatencyStats
  throughput: ThroughputPoint[]
  /** Over the highest concurrency point. */
  cpuEfficiency: number
  /** Over the highest concurrency point. */
  mainThreadUtilisation: number
  /** Over the traced executions of the latency rounds. */
  taskTimings: TaskTiming[]
  /** Per task, its units in each latency round: what the per-task comparison tests. Absent in older runs. */
  taskRounds?: TaskRounds[]
  /** Task ids from the first to the last task of the critical path. */
  criticalPath: string[]
}

/** Where the figures were measured. */
export interface BenchEnvironment {
  node: string
  platform: string
  cpuModel: string
  cores: number
  /** 1-minute load average at the start and the end of the run (0 where the OS has none). */
  loadAverage: [number, number]
  /** `git rev-parse HEAD` in the working directory; absent outside a git checkout. */
  commit?: string
  graphTaskVersion: string
  storage: string
  date: string
}

/** A suite run: what `--json` prints and `--save` stores. */
export interface BenchRun {
  /** Format version of this object. */
  format: 1
  name?: string
  environment: BenchEnvironment
  cases: CaseResult[]
}
