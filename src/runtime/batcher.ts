/**
 * Decides what goes into one worker message: ready tasks of one execution, and
 * the tasks whose every unfinished dependency is in the batch already (they run
 * after them in the same worker), until their measured run time adds up to the
 * target.
 * Batches are sized by the run-time estimates (RunEstimates: what the workers
 * measured, per handler); it touches no thread: it can be tested on its own.
 *
 * Independent ready tasks are capped at a fair share of the ready work, so that
 * every free thread gets some; the tasks that follow their dependencies are not,
 * since nothing else could run them sooner (unless strict durability is on: a
 * dependent then waits for its dependencies' results to be committed). A task
 * with a timeout goes alone, so that a batch has one deadline.
 *
 * Instances of mapped tasks are tasks like the others (their handler, timeout and
 * estimate are their mapped task's); instance i of a task mapped over another
 * mapped task follows instance i of that one, so an element's chain can run in one
 * batch. A mapped task's own slot never goes into a batch: only its instances run.
 *
 * Ranked (critical-path scheduling), it keeps the order the execution's ready heap
 * gives: a batch starts with the best ready task, and a ready task whose estimate does
 * not fit what is left of the time budget is left for the next batch, where it comes
 * first, rather than run after short tasks on this thread while another may be free.
 * A batch that would wait behind another on a busy thread (`queued`) is not sent when
 * its first task was measured long (batchTargetMs or more): it waits for a thread of its
 * own instead, so that a longer one becoming ready meanwhile is not stuck behind it.
 */
import type { Plan } from '../workflow/planner.js'
import type { Execution } from './execution.js'
import { TaskState } from './task-state.js'
import { RunEstimates } from './run-estimates.js'

export interface BatchLimits {
  /** Ready tasks of every execution, this one's included. */
  readyTotal: number
  /**
   * Threads that could take a batch now, this one's included. Each thread has two
   * slots, one running and one queued behind it, so two free slots make one thread.
   */
  freeThreads: number
  /** Tasks that may still be sent before maxConcurrency is reached. */
  concurrencyLeft: number
  /** Every thread has a batch already: this one would wait in the pool's queue. */
  queued: boolean
}

// Ranked: the most dependents of one task looked at to follow it in a batch (they are
// ordered by insertion: a wide fan-out's others become ready when it ends, as usual).
const kMostFollowers = 64

export class Batcher {
  readonly #targetMs: number
  readonly #maxBatch: number
  readonly #fuse: boolean
  readonly #ranked: boolean
  // Per task index, reused across batches (a batch's serial marks what it wrote):
  // how many of a task's dependencies are in the batch being built.
  #stamp = new Int32Array(0)
  #inBatch = new Int32Array(0)
  #serial = 0
  #left = 0
  #tasks: Float64Array | null = null
  readonly estimates: RunEstimates

  /**
   * `fuse`: whether a task may follow its dependencies in the same batch (not with strict durability).
   * `ranked`: keep the order of a ranked ready heap (see above); false for first-in first-out.
   */
  constructor (targetMs: number, maxBatch: number, fuse = true, estimates = new RunEstimates(), ranked = false) {
    this.#targetMs = targetMs
    this.#maxBatch = maxBatch
    this.#fuse = fuse
    this.estimates = estimates
    this.#ranked = ranked
  }

  /**
   * Takes the next batch of `exec` (which has a ready task) into `out`; returns
   * how many tasks it holds. Ready tasks are taken off the execution's queue. Every
   * task comes after the tasks of the batch it depends on. Ranked, it returns 0 (and
   * takes nothing) for a batch that would be queued behind another with a long task first.
   */
  take (exec: Execution, out: Int32Array, limits: BatchLimits): number {
    const { plan } = exec
    const numbers = this.estimates.numbersOf(plan)
    const template = exec.template
    const ranked = this.#ranked
    // Ranked, a task's own estimate counts first: one handler may run tasks of different lengths.
    this.#tasks = ranked ? this.estimates.tasksOf(plan) : null
    if (ranked && limits.queued && this.#knownLong(exec, numbers, exec.peekReady())) return 0
    const first = exec.takeReady()
    out[0] = first
    let count = 1
    if (plan.timeouts[template[first]] !== 0) return 1
    let share = Math.ceil(limits.readyTotal / limits.freeThreads) - 1
    const limit = Math.min(this.#maxBatch, out.length, limits.concurrencyLeft)
    let budget = this.#targetMs - (ranked ? this.#slotEstimate(exec, numbers, first) : this.#estimate(numbers, template[first]))
    const serial = this.#fuse ? this.#nextSerial(exec.size) : 0
    const stamp = this.#stamp
    const inBatch = this.#inBatch
    const { dependentStart, dependentList, mapSource, depStart, dataStart } = plan
    // A task that only waits for some of its dependencies (after) is not fused: the worker
    // skips a fused task by the outputs it takes, and would run it after a failed gate.
    const ordering = depStart !== dataStart
    const { remaining, state, maps } = exec
    // Tasks of the batch whose dependents are still to look at.
    let scan = 0
    while (count < limit && budget > 0) {
      if (scan < count) {
        // Dependents first: one whose unfinished dependencies are all in this batch can
        // run right after them, in the same worker, with no round trip.
        if (!this.#fuse) { scan = count; continue }
        const i = out[scan++]
        const t = template[i]
        const from = count
        // Ranked: more than the limit may be looked at, the best of them kept.
        const most = ranked ? Math.min(out.length, from + kMostFollowers) : limit
        for (let k = dependentStart[t]; k < dependentStart[t + 1] && count < most && (ranked || budget > 0); k++) {
          let j = dependentList[k]
          if (maps !== null && mapSource[j] !== -1) {
            // A mapped task never runs itself; the instance of one mapped over i's instances may.
            if (t === i || mapSource[j] !== t || maps.first[j] === -1) continue
            j = maps.first[j] + exec.mapIndex[i]
          } else if (t !== i) continue
          if (stamp[j] !== serial) { stamp[j] = serial; inBatch[j] = 0 }
          if (++inBatch[j] !== remaining[j] || state[j] !== TaskState.Pending || plan.timeouts[template[j]] !== 0) continue
          // A cached task asks the cache before it may run.
          if (plan.cache !== null && plan.cache[template[j]] !== null) continue
          if (ordering && depStart[template[j] + 1] - depStart[template[j]] !== dataStart[template[j] + 1] - dataStart[template[j]]) continue
          out[count++] = j
          if (!ranked) budget -= this.#estimate(numbers, template[j])
        }
        // Ranked: the dependents that may follow go best first, as many as the budget takes.
        if (ranked && count > from) {
          count = this.#fitRanked(exec, numbers, out, from, count, limit, budget)
          budget = this.#left
        }
        continue
      }
      const candidate = exec.peekReady()
      if (share <= 0 || candidate === -1 || plan.timeouts[template[candidate]] !== 0) break
      const estimate = ranked ? this.#slotEstimate(exec, numbers, candidate) : this.#estimate(numbers, template[candidate])
      // Ranked: a task that does not fit heads the next batch instead of following short ones.
      if (ranked && estimate > budget) break
      exec.takeReady()
      share--
      out[count++] = candidate
      budget -= estimate
    }
    return count
  }

  // Orders out[from .. to) best first (priority, rank, slot: as the ready heap does) and
  // keeps those that fit the budget and the limit, up to the first that does not. Returns the new count;
  // the budget left is in #left.
  #fitRanked (exec: Execution, numbers: Int32Array, out: Int32Array, from: number, to: number, limit: number, budget: number): number {
    if (to - from > 1) {
      const priorities = exec.plan.priorities
      const template = exec.template
      for (let a = from + 1; a < to; a++) {
        const j = out[a]
        const pj = priorities === null ? 0 : priorities[template[j]]
        const rj = exec.rankOf(j)
        let b = a - 1
        for (; b >= from; b--) {
          const k = out[b]
          const pk = priorities === null ? 0 : priorities[template[k]]
          const rk = exec.rankOf(k)
          if (pk > pj || (pk === pj && (rk > rj || (rk === rj && k < j)))) break
          out[b + 1] = k
        }
        out[b + 1] = j
      }
    }
    let count = from
    while (count < to && count < limit) {
      const estimate = this.#slotEstimate(exec, numbers, out[count])
      if (estimate > budget) break
      budget -= estimate
      count++
    }
    this.#left = budget
    return count
  }

  #nextSerial (size: number): number {
    if (this.#stamp.length < size) {
      this.#stamp = new Int32Array(Math.max(size, this.#stamp.length * 2))
      this.#inBatch = new Int32Array(this.#stamp.length)
      this.#serial = 0
    }
    if (this.#serial === 0x7fffffff) {
      this.#stamp.fill(0)
      this.#serial = 0
    }
    return ++this.#serial
  }

  /**
   * A worker measured `ms` of run time for task `i` of `plan` (a plan task: an instance's
   * is its mapped task, `mapIndex` the instance's index).
   */
  measured (plan: Plan, i: number, ms: number, mapIndex = -1): void {
    this.estimates.measured(plan, i, ms, mapIndex)
  }

  /** The current estimate for task `i` of `plan`, -1 before it was measured. */
  estimateOf (plan: Plan, i: number): number {
    return this.estimates.estimateOf(plan, i)
  }

  // Whether slot i was measured to take batchTargetMs or more (a task never measured is not).
  #knownLong (exec: Execution, numbers: Int32Array, i: number): boolean {
    const t = exec.template[i]
    const tasks = this.#tasks
    if ((tasks === null || tasks[t] < 0) && this.estimates.of(numbers[t]) < 0) return false
    return this.#slotEstimate(exec, numbers, i) >= this.#targetMs
  }

  // Ranked: an instance whose element was measured counts its element's time.
  #slotEstimate (exec: Execution, numbers: Int32Array, i: number): number {
    const t = exec.template[i]
    if (t !== i) {
      const e = this.estimates.ofElement(numbers[t], exec.mapIndex[i])
      if (e >= 0) return e
    }
    return this.#estimate(numbers, t)
  }

  #estimate (numbers: Int32Array, t: number): number {
    const tasks = this.#tasks
    if (tasks !== null && tasks[t] >= 0) return tasks[t]
    const e = this.estimates.of(numbers[t])
    // Unknown handlers count as a full budget: they go alone until measured.
    return e < 0 ? this.#targetMs : e
  }
}
