/**
 * `graph-task bench <module>`: benchmarks a user's own workflow on this machine.
 *
 *   latency     tinybench runs one execution at a time for --time ms (after a warm-up):
 *               mean, p50, p99, min, max of the wall-clock time of `execute`
 *   throughput  --concurrency N executions kept in flight for --time ms: executions/s
 *               and tasks/s (the pool's threads shared by all of them)
 *   tasks       per task, from the traces of the last latency runs (task spans'
 *               `task.queue_wait_ms` and `task.run_ms`): time from ready to started
 *               versus running, and each task's share of the run time. One execution
 *               at a time, so a wait is the workflow's own, not other executions'.
 */
import { Bench } from 'tinybench'
import { Engine } from '../engine.js'
import type { Workflow } from '../workflow/builder.js'
import type { ExecutionStorage } from '../storage/storage.js'
import type { Command } from './command.js'
import { formatMs, kJsonFlags, kStorageFlags, kWorkflowFlags, parseInput, parsePositiveInt, table, toJson, workflowArgument } from './common.js'
import { openStorage } from './storage.js'

export interface BenchFlags {
  input?: string
  threads?: string
  json?: boolean
  concurrency?: string
  time?: string
  mysql?: string
  workflow?: string
  typescript?: boolean
}

/** What `--json` prints. Times in ms. */
export interface BenchReport {
  workflowId: string
  tasks: number
  threads: number
  storage: string
  node: string
  latency: { samples: number, mean: number, p50: number, p99: number, min: number, max: number }
  throughput: { concurrency: number, executions: number, durationMs: number, executionsPerSecond: number, tasksPerSecond: number }
  taskShares: TaskShare[]
}

export interface TaskShare {
  taskId: string
  /** Mean time from ready to started, ms. */
  queueWait: number
  /** Mean run time in the worker, ms. */
  run: number
  /** This task's run time as a fraction of all tasks' run time. */
  runShare: number
  /** Queue wait as a fraction of this task's wait + run. */
  waitFraction: number
}

const kDefaultTimeMs = 3000
// Traces read back for the task table: enough for stable means, few enough to be quick.
const kTracedExecutions = 50

/** `graph-task bench <module>`. */
export const benchCommand: Command = {
  name: 'bench',
  args: '<workflow-module>[#name]',
  summary: 'Benchmarks a workflow on this machine: latency, throughput, and where each task spends its time.',
  flags: {
    ...kWorkflowFlags,
    concurrency: { type: 'string', value: 'n', help: 'executions in flight for the throughput run (default: threads)' },
    time: { type: 'string', value: 'ms', help: `how long each measurement runs (default: ${kDefaultTimeMs})` },
    ...kJsonFlags,
    ...kStorageFlags
  },
  run: (args, flags) => bench(args, flags as BenchFlags)
}

/**
 * Runs the benchmark and prints a table (or JSON with `--json`).
 * @returns the exit code: 0, or 1 when an execution did not succeed
 * @throws {UsageError} on a missing module or a bad flag
 */
async function bench (args: string[], flags: BenchFlags): Promise<number> {
  const { workflow, typescript } = await workflowArgument('bench', args, flags)
  const input = await parseInput(flags.input)
  const threads = parsePositiveInt('threads', flags.threads)
  const concurrency = parsePositiveInt('concurrency', flags.concurrency) ?? threads ?? 0
  const timeMs = parsePositiveInt('time', flags.time) ?? kDefaultTimeMs
  const storage: ExecutionStorage | undefined = await openStorage(flags.mysql)
  const engine = new Engine({ threads, storage, typescript })
  let report: BenchReport
  try {
    await engine.publishWorkflow(workflow)
    const stats = engine.stats()
    report = await measure(engine, workflow, input, concurrency === 0 ? stats.threads : concurrency, timeMs,
      storage?.kind ?? 'memory')
  } catch (err) {
    // tinybench may hand the task's error back wrapped.
    const failed = err instanceof ExecutionFailed ? err : (err as { cause?: unknown })?.cause
    if (failed instanceof ExecutionFailed) {
      process.stderr.write(`graph-task: ${failed.message}\n`)
      return 1
    }
    throw err
  } finally {
    await engine.close()
  }
  process.stdout.write((flags.json === true ? toJson(report) : render(report)) + '\n')
  return 0
}

class ExecutionFailed extends Error {}

async function measure (engine: Engine, workflow: Workflow, input: unknown, concurrency: number,
  timeMs: number, storageKind: string): Promise<BenchReport> {
  let ids: string[] | null = []
  const once = async (): Promise<void> => {
    const result = await engine.execute(workflow.id, input)
    if (result.status !== 'success') {
      throw new ExecutionFailed(`execution ${result.executionId} of "${workflow.id}" ended ${result.status}` +
        (result.error === undefined ? '' : `: ${result.error.code}: ${result.error.message}`))
    }
    if (ids !== null) {
      ids.push(result.executionId)
      if (ids.length > 2 * kTracedExecutions) ids = ids.slice(-kTracedExecutions)
    }
  }

  // Latency: one execution at a time. Warm-up loads handlers in every worker and lets
  // the engine measure run times before anything is timed.
  // tinybench runs until both the time and the iteration minimum are reached: keep the
  // minimums low so that a workflow of seconds does not take minutes.
  const bench = new Bench({ time: timeMs, iterations: 5, warmupTime: Math.min(1000, timeMs / 3), warmupIterations: 2, throws: true })
  bench.add('execute', once)
  await bench.run()
  const result = bench.tasks[0].result
  if (result.state !== 'completed') throw new Error(`latency benchmark ended ${result.state}`)
  const l = result.latency
  const traced = ids.slice(-kTracedExecutions)
  ids = null

  // Throughput: `concurrency` executions always in flight.
  let started = 0
  let finished = 0
  const t0 = performance.now()
  const deadline = t0 + timeMs
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      started++
      await once()
      finished++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  const durationMs = performance.now() - t0

  return {
    workflowId: workflow.id,
    tasks: workflow.tasks.length,
    threads: engine.stats().threads,
    storage: storageKind,
    node: process.version,
    latency: { samples: l.samplesCount, mean: l.mean, p50: l.p50, p99: l.p99, min: l.min, max: l.max },
    throughput: {
      concurrency,
      executions: finished,
      durationMs,
      executionsPerSecond: finished / durationMs * 1000,
      tasksPerSecond: finished * workflow.tasks.length / durationMs * 1000
    },
    taskShares: await taskShares(engine, workflow, traced)
  }
}

async function taskShares (engine: Engine, workflow: Workflow, executionIds: string[]): Promise<TaskShare[]> {
  const sums = new Map<string, { wait: number, run: number, n: number }>()
  for (const task of workflow.tasks) sums.set(task.id, { wait: 0, run: 0, n: 0 })
  for (const id of executionIds) {
    for (const root of await engine.getExecutionTrace(id)) {
      for (const span of root.children) {
        const sum = span.taskId === undefined ? undefined : sums.get(span.taskId)
        if (sum === undefined) continue
        sum.wait += Number(span.attributes['task.queue_wait_ms'] ?? 0)
        sum.run += Number(span.attributes['task.run_ms'] ?? 0)
        sum.n++
      }
    }
  }
  let totalRun = 0
  for (const s of sums.values()) if (s.n > 0) totalRun += s.run / s.n
  const shares: TaskShare[] = []
  for (const [taskId, s] of sums) {
    const wait = s.n === 0 ? 0 : s.wait / s.n
    const run = s.n === 0 ? 0 : s.run / s.n
    shares.push({
      taskId,
      queueWait: wait,
      run,
      runShare: totalRun === 0 ? 0 : run / totalRun,
      waitFraction: wait + run === 0 ? 0 : wait / (wait + run)
    })
  }
  return shares
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`

function render (r: BenchReport): string {
  const { latency: l, throughput: t } = r
  const head = `${r.workflowId}: ${r.tasks} task${r.tasks === 1 ? '' : 's'}, ${r.threads} thread${r.threads === 1 ? '' : 's'}, ${r.storage} storage, Node ${r.node}`
  const figures = table([
    ['MEASURE', 'VALUE'],
    ['latency mean', formatMs(l.mean)],
    ['latency p50', formatMs(l.p50)],
    ['latency p99', formatMs(l.p99)],
    ['latency min', formatMs(l.min)],
    ['latency max', formatMs(l.max)],
    ['latency samples', String(l.samples)],
    [`throughput (${t.concurrency} concurrent)`, `${t.executionsPerSecond.toFixed(1)} executions/s`],
    ['task throughput', `${t.tasksPerSecond.toFixed(0)} tasks/s`]
  ])
  const shown = [...r.taskShares].sort((a, b) => b.run + b.queueWait - a.run - a.queueWait)
  const limit = 30
  const tasks = table([
    ['TASK', 'QUEUE WAIT', 'RUN', 'SHARE OF RUN TIME', 'WAITING'],
    ...shown.slice(0, limit).map(s => [s.taskId, formatMs(s.queueWait), formatMs(s.run), pct(s.runShare), pct(s.waitFraction)])
  ])
  const more = shown.length > limit ? `\n(${shown.length - limit} more tasks; --json lists them all)` : ''
  return `${head}\n\n${figures}\n\n${tasks}${more}`
}
