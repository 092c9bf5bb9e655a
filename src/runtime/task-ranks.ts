/**
 * Upward ranks: for each task, the estimated time from its start to the end of its
 * execution, along the longest chain of dependents (its own estimate plus the largest
 * rank among its dependents). Ready tasks with the longest rank go first, so that
 * the critical path starts as soon as it can and the short work fills the threads
 * around it (the list-scheduling rule of HEFT and the like).
 *
 * Computed once per execution, when it starts, in one loop over the plan's tasks in
 * reverse topological order, from the estimates measured so far (the task's own, else
 * its handler's, else the mean of the handlers measured). An instance of a
 * mapped task has its task's rank, with its own element's estimate in place of the
 * handler's when that element was measured before.
 */
import type { Plan } from '../workflow/planner.js'
import { performance } from 'node:perf_hooks'
import type { RunEstimates } from './run-estimates.js'

// How long ranks computed from estimates that have changed since are used again (ms):
// estimates move a little with every measurement, ranks once a second at most.
const kRefreshMs = 1000

/** The estimate of a handler never measured, when none is (ms): ranks then count tasks. */
export const kUnmeasuredMs = 1

/** What the ranks of a plan's tasks are made of and the critical path they give. */
export interface RankedPath {
  /** Task indexes, first to last. */
  readonly tasks: readonly number[]
  /** Estimated ms along it. */
  readonly ms: number
}

export class TaskRanks {
  readonly #estimates: RunEstimates
  // The ranks of each plan, with what they were computed from and when: an execution
  // takes them as they are while no task or handler was measured for the first time
  // since, and the estimates did not change or they are less than kRefreshMs old.
  readonly #cache = new WeakMap<Plan, { version: number, firsts: number, at: number, ranks: Float64Array }>()

  constructor (estimates: RunEstimates) {
    this.#estimates = estimates
  }

  /**
   * The ranks of `plan` for an execution that starts now: computed again when a task or
   * handler was measured for the first time since, or once a second while the estimates
   * change; else shared between executions. Read only.
   */
  ranksOf (plan: Plan): Float64Array {
    const { version, firsts } = this.#estimates
    const cached = this.#cache.get(plan)
    if (cached !== undefined && cached.firsts === firsts) {
      if (cached.version === version) return cached.ranks
      const at = performance.now()
      if (at - cached.at < kRefreshMs) return cached.ranks
    }
    const ranks = this.rank(plan)
    this.#cache.set(plan, { version, firsts, at: performance.now(), ranks })
    return ranks
  }

  /** The rank of each task of `plan` (ms), from the current estimates. */
  rank (plan: Plan, out = new Float64Array(plan.size)): Float64Array {
    const estimates = this.#estimates
    const numbers = estimates.numbersOf(plan)
    const tasks = estimates.tasksOf(plan)
    const typical = estimates.typical(kUnmeasuredMs)
    const { order, dependentStart, dependentList } = plan
    for (let o = order.length - 1; o >= 0; o--) {
      const t = order[o]
      const e = this.#own(plan, t, tasks, numbers, typical)
      let after = 0
      for (let k = dependentStart[t]; k < dependentStart[t + 1]; k++) {
        const r = out[dependentList[k]]
        if (r > after) after = r
      }
      out[t] = e + after
    }
    return out
  }

  // What task t counts for itself: its own estimate, else its handler's, else a typical
  // handler's; a mapped task whose elements were measured, its slowest element's.
  #own (plan: Plan, t: number, tasks: Float64Array, numbers: Int32Array, typical: number): number {
    const estimates = this.#estimates
    if (plan.hasMaps && plan.mapSource[t] !== -1) {
      const slowest = estimates.elementMax(numbers[t])
      if (slowest >= 0) return slowest
    }
    let e = tasks[t]
    if (e < 0) e = estimates.of(numbers[t])
    return e < 0 ? typical : e
  }

  /**
   * The rank of instance `m` of mapped task `t`: its task's, with the element's own
   * estimate in place of what the task counts for itself when that element was measured
   * (else the task's estimate of one instance).
   */
  instanceRank (plan: Plan, ranks: Float64Array, t: number, m: number): number {
    const estimates = this.#estimates
    const numbers = estimates.numbersOf(plan)
    const n = numbers[t]
    if (!estimates.hasElements(n)) return ranks[t]
    const typical = estimates.typical(kUnmeasuredMs)
    let element = estimates.ofElement(n, m)
    if (element < 0) element = estimates.ofTask(plan, t, typical)
    return ranks[t] - this.#own(plan, t, estimates.tasksOf(plan), numbers, typical) + element
  }

  /** The longest chain of `plan` by the current estimates (ties: the first declared). */
  criticalPath (plan: Plan): RankedPath {
    const ranks = this.rank(plan)
    const { roots, dependentStart, dependentList } = plan
    let at = -1
    for (let k = 0; k < roots.length; k++) if (at === -1 || ranks[roots[k]] > ranks[at]) at = roots[k]
    const tasks: number[] = []
    while (at !== -1) {
      tasks.push(at)
      let next = -1
      for (let k = dependentStart[at]; k < dependentStart[at + 1]; k++) {
        const j = dependentList[k]
        if (next === -1 || ranks[j] > ranks[next]) next = j
      }
      at = next
    }
    return { tasks, ms: ranks[tasks[0]] }
  }
}
