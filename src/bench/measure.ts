/**
 * Measures the cases that share one engine (their workflows published on it):
 *
 *   latency     one execution at a time, sampled with tinybench in rounds the cases take
 *               turns in (latency.ts), at least `minSamples` in all
 *   tasks       per task, from the traces of the last latency runs: queue wait and run
 *               time, and the critical path (breakdown.ts). One execution at a time, so
 *               a wait is the workflow's own, not other executions'.
 *   throughput  for each concurrency level, that many executions kept in flight for
 *               `throughputTime` ms: executions/s, tasks/s, CPU efficiency (task run time
 *               over threads x wall time) and the main thread's event-loop utilisation
 */
import { performance } from 'node:perf_hooks'
import type { Engine } from '../engine.js'
import { BenchError, ErrorCodes } from '../errors.js'
import type { ExecutionResult } from '../types.js'
import { taskTimings } from './breakdown.js'
import { describeLatency, sampleInRounds, type RoundListener } from './latency.js'
import type { CaseResult, ThroughputPoint } from './results.js'
import type { PlannedCase } from './suite.js'

// Traces read back for the task table: enough for stable means, few enough to be quick.
const kTracedExecutions = 50

/** A case to measure, and the suite it is reported under. */
export interface GroupCase {
  c: PlannedCase
  suite: string
}

/**
 * Runs the cases and returns their figures, in the order given.
 * @throws {BenchError} BENCH_EXECUTION_FAILED when an execution does not succeed
 */
export async function measureCases (engine: Engine, group: readonly GroupCase[], listener: RoundListener): Promise<CaseResult[]> {
  const traced = group.map(() => [] as string[])
  let tracing = true
  const runners = group.map(({ c }, i) => {
    const once = async (): Promise<ExecutionResult> => {
      const result = await engine.execute(c.workflow.id, c.input)
      if (result.status !== 'success') {
        throw new BenchError(ErrorCodes.BENCH_EXECUTION_FAILED, `${c.id}: execution ${result.executionId} ended ${result.status}` +
          (result.error === undefined ? '' : `: ${result.error.code}: ${result.error.message}`))
      }
      if (tracing) {
        traced[i].push(result.executionId)
        if (traced[i].length > 2 * kTracedExecutions) traced[i] = traced[i].slice(-kTracedExecutions)
      }
      return result
    }
    return { c, once }
  })
  const rounds = await sampleInRounds(runners, listener)
  tracing = false

  const results: CaseResult[] = []
  for (let i = 0; i < group.length; i++) {
    const { c, suite } = group[i]
    const throughput: ThroughputPoint[] = []
    for (const concurrency of c.concurrency) throughput.push(await throughputPoint(runners[i].once, c, concurrency))
    const top = throughput[throughput.length - 1]
    const breakdown = await taskTimings(engine, c.workflow, traced[i].slice(-kTracedExecutions))
    results.push({
      id: c.id,
      suite,
      workflowId: c.workflow.id,
      caseName: c.caseName,
      threads: c.threads,
      tasks: c.workflow.tasks.length,
      latency: describeLatency(rounds[i]),
      throughput,
      cpuEfficiency: top.cpuEfficiency,
      mainThreadUtilisation: top.mainThreadUtilisation,
      taskTimings: breakdown.timings,
      criticalPath: breakdown.criticalPath
    })
  }
  return results
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
