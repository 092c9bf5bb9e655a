/**
 * Measures one case on an engine that has its workflow published:
 *
 *   latency     tinybench runs one execution at a time for `time` ms after a warm-up,
 *               taking at least `minSamples` samples; the samples are kept for --compare
 *   tasks       per task, from the traces of the last latency runs: queue wait and run
 *               time, and the critical path (breakdown.ts). One execution at a time, so
 *               a wait is the workflow's own, not other executions'.
 *   throughput  for each concurrency level, that many executions kept in flight for
 *               `throughputTime` ms: executions/s, tasks/s, CPU efficiency (task run time
 *               over threads x wall time) and the main thread's event-loop utilisation
 */
import { performance } from 'node:perf_hooks'
import { Bench } from 'tinybench'
import type { Engine } from '../engine.js'
import { BenchError, ErrorCodes } from '../errors.js'
import type { ExecutionResult } from '../types.js'
import { taskTimings } from './breakdown.js'
import type { CaseResult, LatencyStats, ThroughputPoint } from './results.js'
import type { PlannedCase } from './suite.js'

// Traces read back for the task table: enough for stable means, few enough to be quick.
const kTracedExecutions = 50
// Samples kept per case in a saved run: plenty for a rank test, a few kB of JSON.
const kKeptSamples = 1000

/** Told about every latency sample, for the progress line. */
export type SampleListener = (samples: number) => void

/**
 * Runs the case and returns its figures.
 * @throws {BenchError} BENCH_EXECUTION_FAILED when an execution does not succeed
 */
export async function measureCase (engine: Engine, c: PlannedCase, suite: string, onSample: SampleListener): Promise<CaseResult> {
  let ids: string[] | null = []
  let samples = 0
  const once = async (): Promise<ExecutionResult> => {
    const result = await engine.execute(c.workflow.id, c.input)
    if (result.status !== 'success') {
      throw new BenchError(ErrorCodes.BENCH_EXECUTION_FAILED, `${c.id}: execution ${result.executionId} ended ${result.status}` +
        (result.error === undefined ? '' : `: ${result.error.code}: ${result.error.message}`))
    }
    if (ids !== null) {
      ids.push(result.executionId)
      if (ids.length > 2 * kTracedExecutions) ids = ids.slice(-kTracedExecutions)
    }
    return result
  }

  const bench = new Bench({
    time: c.time,
    iterations: c.minSamples,
    warmupTime: c.warmup,
    warmupIterations: 2,
    throws: true,
    retainSamples: true
  })
  bench.add(c.id, async () => { await once(); onSample(++samples) })
  try {
    await bench.run()
  } catch (err) {
    // tinybench may hand the task's error back wrapped.
    const cause = (err as { cause?: unknown }).cause
    throw cause instanceof BenchError ? cause : err
  }
  const result = bench.tasks[0].result
  if (result.state !== 'completed') throw new Error(`latency benchmark of ${c.id} ended ${result.state}`)
  const traced = ids.slice(-kTracedExecutions)
  ids = null

  const throughput: ThroughputPoint[] = []
  for (const concurrency of c.concurrency) throughput.push(await throughputPoint(once, c, concurrency))
  const top = throughput[throughput.length - 1]
  const breakdown = await taskTimings(engine, c.workflow, traced)
  return {
    id: c.id,
    suite,
    workflowId: c.workflow.id,
    caseName: c.caseName,
    threads: c.threads,
    tasks: c.workflow.tasks.length,
    latency: latencyStats(result.latency),
    throughput,
    cpuEfficiency: top.cpuEfficiency,
    mainThreadUtilisation: top.mainThreadUtilisation,
    taskTimings: breakdown.timings,
    criticalPath: breakdown.criticalPath
  }
}

type TinybenchStats = Extract<Bench['tasks'][number]['result'], { state: 'completed' }>['latency']

function latencyStats (l: TinybenchStats): LatencyStats {
  const sorted = l.samples ?? []
  const step = Math.max(1, sorted.length / kKeptSamples)
  const values: number[] = []
  for (let i = 0; i < sorted.length; i += step) values.push(sorted[Math.floor(i)])
  return {
    mean: l.mean, p50: l.p50, p75: l.p75, p99: l.p99, min: l.min, max: l.max, sd: l.sd, rme: l.rme,
    samples: l.samplesCount, values
  }
}

async function throughputPoint (once: () => Promise<ExecutionResult>, c: PlannedCase, concurrency: number): Promise<ThroughputPoint> {
  let finished = 0
  let runMs = 0
  const elu0 = performance.eventLoopUtilization()
  const t0 = performance.now()
  const deadline = t0 + c.throughputTime
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const result = await once()
      for (const id in result.tasks) runMs += result.tasks[id].duration ?? 0
      finished++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  const durationMs = performance.now() - t0
  const elu = performance.eventLoopUtilization(elu0)
  return {
    concurrency,
    executions: finished,
    durationMs,
    executionsPerSecond: finished / durationMs * 1000,
    tasksPerSecond: finished * c.workflow.tasks.length / durationMs * 1000,
    cpuEfficiency: runMs / (c.threads * durationMs),
    mainThreadUtilisation: elu.utilization
  }
}
