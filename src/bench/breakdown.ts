/**
 * Per-task timings of a workflow, read from the traces of executions that ran one at
 * a time (task spans' queue wait and run time attributes), and its critical path:
 * the chain of dependencies whose mean wait + run adds up to the most. Speeding up a
 * task off that chain does not shorten an execution.
 */
import type { Engine } from '../engine.js'
import type { Workflow } from '../workflow/builder.js'
import type { TaskTiming } from './results.js'
import { Attr } from '../telemetry/span-attributes.js'

/** Mean timings of every task, in the workflow's order, and the critical path. */
interface Breakdown {
  timings: TaskTiming[]
  criticalPath: string[]
}

/** Reads the traces of `executionIds` and averages them per task. */
export async function taskTimings (engine: Engine, workflow: Workflow, executionIds: readonly string[]): Promise<Breakdown> {
  const sums = new Map<string, { wait: number, run: number, n: number }>()
  for (const task of workflow.tasks) sums.set(task.id, { wait: 0, run: 0, n: 0 })
  for (const id of executionIds) {
    for (const root of await engine.getExecutionTrace(id)) {
      for (const span of root.children) {
        const sum = span.taskId === undefined ? undefined : sums.get(span.taskId)
        if (sum === undefined) continue
        sum.wait += Number(span.attributes[Attr.queueWait] ?? 0)
        sum.run += Number(span.attributes[Attr.runTime] ?? 0)
        sum.n++
      }
    }
  }
  const timings: TaskTiming[] = []
  for (const [taskId, s] of sums) {
    timings.push({ taskId, queueWait: s.n === 0 ? 0 : s.wait / s.n, run: s.n === 0 ? 0 : s.run / s.n, critical: false })
  }
  const criticalPath = longestPath(workflow, new Map(timings.map(t => [t.taskId, t.queueWait + t.run])))
  const onPath = new Set(criticalPath)
  for (const t of timings) t.critical = onPath.has(t.taskId)
  return { timings, criticalPath }
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
