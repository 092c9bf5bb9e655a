/**
 * Per-task timings of a workflow, read from the traces of executions that ran one at
 * a time (task spans' queue wait and run time attributes), round by round of the latency
 * sampling, so that they come from the same rounds a comparison's verdict does: per round
 * each task's fastest run and queue wait (its units, verdict.ts), and over all rounds its
 * means and the critical path: the chain of dependencies whose mean wait + run adds up to
 * the most. Speeding up a task off that chain does not shorten an execution.
 */
import type { Engine } from '../engine.js'
import type { Workflow } from '../workflow/builder.js'
import type { TaskRounds, TaskTiming } from './results.js'
import { Attr } from '../telemetry/span-attributes.js'

/** One round's traced executions, per task in the workflow's order. */
export interface TaskRound {
  fastestRun: Float64Array
  fastestWait: Float64Array
  sumRun: Float64Array
  sumWait: Float64Array
  count: Uint32Array
}

/** Mean timings of every task, in the workflow's order, the critical path, and each task's units per round. */
interface Breakdown {
  timings: TaskTiming[]
  criticalPath: string[]
  taskRounds: TaskRounds[]
}

/** Reads the traces of one round's `executionIds`: per task, fastest and summed run and queue wait. */
export async function readTaskRound (engine: Engine, workflow: Workflow, executionIds: readonly string[]): Promise<TaskRound> {
  const n = workflow.tasks.length
  const round: TaskRound = {
    fastestRun: new Float64Array(n).fill(Infinity),
    fastestWait: new Float64Array(n).fill(Infinity),
    sumRun: new Float64Array(n),
    sumWait: new Float64Array(n),
    count: new Uint32Array(n)
  }
  const index = new Map(workflow.tasks.map((t, i) => [t.id, i]))
  for (const id of executionIds) {
    for (const root of await engine.getExecutionTrace(id)) {
      for (const span of root.children) {
        const i = span.taskId === undefined ? undefined : index.get(span.taskId)
        if (i === undefined) continue
        const wait = Number(span.attributes[Attr.queueWait] ?? 0)
        const run = Number(span.attributes[Attr.runTime] ?? 0)
        round.sumWait[i] += wait
        round.sumRun[i] += run
        round.count[i]++
        if (run < round.fastestRun[i]) round.fastestRun[i] = run
        if (wait < round.fastestWait[i]) round.fastestWait[i] = wait
      }
    }
  }
  return round
}

/** The rounds' traces summed up per task. */
export function taskTimings (workflow: Workflow, rounds: ReadonlyArray<TaskRound | undefined>): Breakdown {
  const timings: TaskTiming[] = []
  const taskRounds: TaskRounds[] = []
  workflow.tasks.forEach((task, i) => {
    let wait = 0
    let run = 0
    let n = 0
    const units: TaskRounds = { taskId: task.id, run: [], queueWait: [] }
    for (const r of rounds) {
      const traced = r !== undefined && r.count[i] > 0
      units.run.push(traced ? r.fastestRun[i] : null)
      units.queueWait.push(traced ? r.fastestWait[i] : null)
      if (!traced) continue
      wait += r.sumWait[i]
      run += r.sumRun[i]
      n += r.count[i]
    }
    timings.push({ taskId: task.id, queueWait: n === 0 ? 0 : wait / n, run: n === 0 ? 0 : run / n, critical: false })
    taskRounds.push(units)
  })
  const criticalPath = longestPath(workflow, new Map(timings.map(t => [t.taskId, t.queueWait + t.run])))
  const onPath = new Set(criticalPath)
  for (const t of timings) t.critical = onPath.has(t.taskId)
  return { timings, criticalPath, taskRounds }
}

/** The heaviest chain through the DAG, first task first (Kahn's order, then a backward walk). */
function longestPath (workflow: Workflow, weight: ReadonlyMap<string, number>): string[] {
  // a task waits for its data dependencies and its ordering-only ones alike
  const deps = new Map(workflow.tasks.map(t => [t.id, t.after === undefined ? t.dependsOn : [...t.dependsOn, ...t.after]]))
  const waiting = new Map<string, number>()
  const dependents = new Map<string, string[]>()
  for (const [id, list] of deps) {
    waiting.set(id, list.length)
    for (const d of list) {
      const waiters = dependents.get(d)
      if (waiters === undefined) dependents.set(d, [id])
      else waiters.push(id)
    }
  }
  const finish = new Map<string, number>()
  const via = new Map<string, string | undefined>()
  const ready = [...deps].filter(([, list]) => list.length === 0).map(([id]) => id)
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i]
    let best: string | undefined
    let start = 0
    for (const d of deps.get(id) ?? []) {
      const f = finish.get(d) ?? 0
      if (best === undefined || f > start) { best = d; start = f }
    }
    finish.set(id, start + (weight.get(id) ?? 0))
    via.set(id, best)
    for (const next of dependents.get(id) ?? []) {
      const left = (waiting.get(next) ?? 1) - 1
      waiting.set(next, left)
      if (left === 0) ready.push(next)
    }
  }
  let last: string | undefined
  for (const [id, f] of finish) if (last === undefined || f > (finish.get(last) ?? 0)) last = id
  const path: string[] = []
  for (let id = last; id !== undefined; id = via.get(id)) path.push(id)
  return path.reverse()
}
