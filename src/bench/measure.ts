/**
 * Measures the cases that share one engine (their workflows published on it):
 *
 *   latency     one execution at a time, sampled with tinybench in rounds the cases take
 *               turns in (latency.ts), at least `minSamples` in all; with a baseline, a
 *               case goes on until its comparison is decided (compare.ts) or its
 *               `maxRounds` are spent
 *   tasks       per task, from the traces of the last few executions of every latency
 *               round: queue wait and run time, per round and overall, and the critical
 *               path (breakdown.ts). One execution at a time, so a wait is the workflow's
 *               own, not other executions'. The same rounds as the latency verdict.
 *   throughput  for each concurrency level, that many executions kept in flight for
 *               `throughputTime` ms and at least kThroughputFloor executions:
 *               executions/s, tasks/s, CPU efficiency (task run time over threads x wall
 *               time) and the main thread's event-loop utilisation
 */
import { performance } from 'node:perf_hooks'
import type { Engine } from '../engine.js'
import { BenchError, ErrorCodes } from '../errors.js'
import type { ExecutionResult } from '../types.js'
import { readTaskRound, taskTimings, type TaskRound } from './breakdown.js'
import { caseJudge, type CompareOptions } from './compare.js'
import { describeLatency, sampleInRounds, type Judge, type RoundListener, type RoundRunner } from './latency.js'
import { kThroughputFloor, type BenchRun, type CaseResult, type ThroughputPoint } from './results.js'
import type { PlannedCase } from './suite.js'

// Executions traced per round, its last ones: enough for a task's fastest run, few enough to read quickly.
const kTracedPerRound = 4

/** A case to measure, and the suite it is reported under. */
export interface GroupCase {
  c: PlannedCase
  suite: string
}

/**
 * How long each case is sampled: `baseline` until its comparison is decided (the cases it
 * has), `full` over every case's `maxRounds` (a run saved as a baseline: later comparisons
 * with it get that many units), or by default until settled.
 */
export type SamplingMode = { baseline: BenchRun, options?: CompareOptions } | 'full' | undefined

const never = (): boolean => false

/**
 * Runs the cases and returns their figures, in the order given.
 * @throws {BenchError} BENCH_EXECUTION_FAILED when an execution does not succeed
 */
export async function measureCases (engine: Engine, group: readonly GroupCase[], listener: RoundListener, mode?: SamplingMode): Promise<CaseResult[]> {
  const compare = typeof mode === 'object' ? mode : undefined
  const baseline = new Map(compare?.baseline.cases.map(b => [b.id, b]))
  const judges: Array<Judge<TaskRound> | undefined> = []
  const looks: number[] = []
  const runners = group.map(({ c }, i): RoundRunner<TaskRound> & { once: () => Promise<ExecutionResult> } => {
    const b = baseline.get(c.id)
    const judged = b === undefined ? undefined : caseJudge(b, c, compare?.options)
    judges[i] = mode === 'full' ? never : judged?.judge
    looks[i] = judged?.looks ?? 1
    // The round's last executions, a ring.
    const traced: string[] = []
    let next = 0
    const once = async (): Promise<ExecutionResult> => {
      const result = await engine.execute(c.workflow.id, c.input)
      if (result.status !== 'success') {
        throw new BenchError(ErrorCodes.BENCH_EXECUTION_FAILED, `${c.id}: execution ${result.executionId} ended ${result.status}` +
          (result.error === undefined ? '' : `: ${result.error.code}: ${result.error.message}`))
      }
      traced[next] = result.executionId
      next = (next + 1) % kTracedPerRound
      return result
    }
    const endRound = async (): Promise<TaskRound> => {
      const ids = traced.splice(0)
      next = 0
      return await readTaskRound(engine, c.workflow, ids)
    }
    return { c, once, endRound }
  })
  const rounds = await sampleInRounds(runners, listener, judges)

  const results: CaseResult[] = []
  for (let i = 0; i < group.length; i++) {
    const { c, suite } = group[i]
    const throughput: ThroughputPoint[] = []
    for (const concurrency of c.concurrency) throughput.push(await throughputPoint(runners[i].once, c, concurrency))
    const top = throughput[throughput.length - 1]
    const breakdown = taskTimings(c.workflow, rounds[i].map(r => r.extra))
    results.push({
      id: c.id,
      suite,
      workflowId: c.workflow.id,
      caseName: c.caseName,
      threads: c.threads,
      tasks: c.workflow.tasks.length,
      latency: describeLatency(rounds[i], looks[i]),
      throughput,
      cpuEfficiency: top.cpuEfficiency,
      mainThreadUtilisation: top.mainThreadUtilisation,
      taskTimings: breakdown.timings,
      criticalPath: breakdown.criticalPath,
      taskRounds: breakdown.taskRounds
    })
  }
  return results
}

async function throughputPoint (once: () => Promise<ExecutionResult>, c: PlannedCase, concurrency: number): Promise<ThroughputPoint> {
  let started = 0
  let finished = 0
  let runMs = 0
  const elu0 = performance.eventLoopUtilization()
  const t0 = performance.now()
  const deadline = t0 + c.throughputTime
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline || started < kThroughputFloor) {
      started++
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
