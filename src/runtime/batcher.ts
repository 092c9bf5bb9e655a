/**
 * Decides what goes into one worker message: ready tasks of one execution, and
 * the tasks whose every unfinished dependency is in the batch already (they run
 * after them in the same worker), until their measured run time adds up to the
 * target.
 * It keeps a run-time estimate per handler (an exponential average of what the
 * workers measured) and touches no thread: it can be tested on its own.
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
 */
import type { Plan } from '../workflow/planner.js'
import type { Execution } from './execution.js'
import { TaskState } from './task-state.js'

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
}

export class Batcher {
  readonly #targetMs: number
  readonly #maxBatch: number
  readonly #fuse: boolean
  // Per task index, reused across batches (a batch's serial marks what it wrote):
  // how many of a task's dependencies are in the batch being built.
  #stamp = new Int32Array(0)
  #inBatch = new Int32Array(0)
  #serial = 0
  // Run-time estimate per handler (ms), by handler number; -1 until measured.
  #estimates = new Float64Array(16).fill(-1)
  readonly #handlerNumbers = new Map<string, number>()
  readonly #planHandlers = new WeakMap<Plan, Int32Array>()
  #lastPlan: Plan | null = null
  #lastNumbers: Int32Array | null = null

  /** `fuse`: whether a task may follow its dependencies in the same batch (not with strict durability). */
  constructor (targetMs: number, maxBatch: number, fuse = true) {
    this.#targetMs = targetMs
    this.#maxBatch = maxBatch
    this.#fuse = fuse
  }

  /**
   * Takes the next batch of `exec` (which has a ready task) into `out`; returns
   * how many tasks it holds. Ready tasks are taken off the execution's queue. Every
   * task comes after the tasks of the batch it depends on.
   */
  take (exec: Execution, out: Int32Array, limits: BatchLimits): number {
    const { plan } = exec
    const numbers = this.#numbersOf(plan)
    const template = exec.template
    const first = exec.takeReady()
    out[0] = first
    let count = 1
    if (plan.timeouts[template[first]] !== 0) return 1
    let share = Math.ceil(limits.readyTotal / limits.freeThreads) - 1
    const limit = Math.min(this.#maxBatch, out.length, limits.concurrencyLeft)
    let budget = this.#targetMs - this.#estimate(numbers[template[first]])
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
        for (let k = dependentStart[t]; k < dependentStart[t + 1] && count < limit && budget > 0; k++) {
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
          budget -= this.#estimate(numbers[template[j]])
        }
        continue
      }
      const candidate = exec.peekReady()
      if (share <= 0 || candidate === -1 || plan.timeouts[template[candidate]] !== 0) break
      exec.takeReady()
      share--
      out[count++] = candidate
      budget -= this.#estimate(numbers[template[candidate]])
    }
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

  /** A worker measured `ms` of run time for task `i` of `plan` (a plan task: an instance's is its mapped task). */
  measured (plan: Plan, i: number, ms: number): void {
    const n = this.#numbersOf(plan)[i]
    const e = this.#estimates[n]
    this.#estimates[n] = e < 0 ? ms : e * 0.8 + ms * 0.2
  }

  /** The current estimate for task `i` of `plan`, -1 before it was measured. */
  estimateOf (plan: Plan, i: number): number {
    return this.#estimates[this.#numbersOf(plan)[i]]
  }

  #estimate (n: number): number {
    const e = this.#estimates[n]
    // Unknown handlers count as a full budget: they go alone until measured.
    return e < 0 ? this.#targetMs : e
  }

  #numbersOf (plan: Plan): Int32Array {
    // Outcomes come a batch at a time, of one execution: the last plan is nearly always the one.
    if (plan === this.#lastPlan) return this.#lastNumbers!
    let numbers = this.#planHandlers.get(plan)
    if (numbers === undefined) {
      numbers = new Int32Array(plan.size)
      for (let i = 0; i < plan.size; i++) {
        let n = this.#handlerNumbers.get(plan.handlers[i])
        if (n === undefined) {
          n = this.#handlerNumbers.size
          this.#handlerNumbers.set(plan.handlers[i], n)
          if (n >= this.#estimates.length) {
            const grown = new Float64Array(this.#estimates.length * 2).fill(-1)
            grown.set(this.#estimates)
            this.#estimates = grown
          }
        }
        numbers[i] = n
      }
      this.#planHandlers.set(plan, numbers)
    }
    this.#lastPlan = plan
    this.#lastNumbers = numbers
    return numbers
  }
}
