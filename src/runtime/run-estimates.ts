/**
 * Run-time estimates from what the workers measured, as exponential averages: per
 * handler (by number, in a Float64Array), per task of each plan (one handler often
 * runs tasks of different lengths, told apart by their inputs), and for mapped tasks
 * per element index as well, so that an element that ran long before is known to run
 * long again (an execution over the same list starts it early).
 *
 * The batcher sizes batches with them, the ranks order ready tasks by them. Nothing
 * here touches a thread: it can be tested on its own.
 */
import type { Plan } from '../workflow/planner.js'

// Per-element estimates are kept for the first elements only: a list longer than this
// has its later elements ranked by their handler's estimate.
const kMaxElements = 1 << 16
// The weight of a new measurement in the average.
const kWeight = 0.2

export class RunEstimates {
  // Estimate per handler (ms), by handler number; -1 until measured.
  #estimates = new Float64Array(16).fill(-1)
  /** Measurements taken so far: ranks computed at another count may be out of date. */
  version = 0
  /** Handlers and tasks measured for the first time so far: ranks computed before miss what they add. */
  firsts = 0
  // Per handler number, per element index (mapped tasks only); -1 where not measured.
  #elements: Array<Float64Array | undefined> = []
  // Per handler number, the longest element estimate it ever had (mapped tasks only).
  #elementMax: number[] = []
  readonly #handlerNumbers = new Map<string, number>()
  readonly #planHandlers = new WeakMap<Plan, Int32Array>()
  #lastPlan: Plan | null = null
  #lastNumbers: Int32Array | null = null
  // Per task of a plan (ms); -1 until measured.
  readonly #planTasks = new WeakMap<Plan, Float64Array>()
  #lastTasksPlan: Plan | null = null
  #lastTasks: Float64Array | null = null
  #sum = 0
  #measuredHandlers = 0

  /** A worker measured `ms` of run time for task `t` of `plan` (instance `mapIndex` of it, or -1). */
  measured (plan: Plan, t: number, ms: number, mapIndex = -1): void {
    const n = this.numbersOf(plan)[t]
    const e = this.#estimates[n]
    const next = e < 0 ? ms : e * (1 - kWeight) + ms * kWeight
    if (e < 0) {
      this.#measuredHandlers++
      this.firsts++
    }
    this.#sum += next - (e < 0 ? 0 : e)
    this.#estimates[n] = next
    const tasks = this.tasksOf(plan)
    const task = tasks[t]
    if (task < 0) {
      tasks[t] = ms
      this.firsts++
    } else {
      tasks[t] = task * (1 - kWeight) + ms * kWeight
    }
    this.version++
    if (mapIndex < 0 || mapIndex >= kMaxElements) return
    let elements = this.#elements[n]
    if (elements === undefined || elements.length <= mapIndex) elements = this.#growElements(n, mapIndex + 1)
    const before = elements[mapIndex]
    const element = elements[mapIndex] = before < 0 ? ms : before * (1 - kWeight) + ms * kWeight
    if (!(element <= this.#elementMax[n])) {
      // A map lasts as long as its slowest element: its task's rank counts that one.
      if (this.#elementMax[n] === undefined) this.firsts++
      this.#elementMax[n] = element
    }
  }

  /** The estimate of handler number `n`, -1 before it was measured. */
  of (n: number): number {
    return this.#estimates[n]
  }

  /** The estimate of element `m` of handler number `n`, -1 when that element was never measured. */
  ofElement (n: number, m: number): number {
    const elements = this.#elements[n]
    return elements === undefined || m >= elements.length ? -1 : elements[m]
  }

  /** The longest estimate an element of handler number `n` has had, -1 when none was measured. */
  elementMax (n: number): number {
    return this.#elementMax[n] ?? -1
  }

  /** Whether some element of handler number `n` was measured on its own. */
  hasElements (n: number): boolean {
    return this.#elements[n] !== undefined
  }

  /** The current estimate for task `t` of `plan`, -1 before it was measured. */
  estimateOf (plan: Plan, t: number): number {
    return this.#estimates[this.numbersOf(plan)[t]]
  }

  /**
   * What an unmeasured handler is taken to need: the mean of the measured ones, or
   * `fallback` when none is. A new handler is then ranked as a typical one.
   */
  typical (fallback: number): number {
    return this.#measuredHandlers === 0 ? fallback : this.#sum / this.#measuredHandlers
  }

  /** The estimate of each task of `plan` (ms), -1 where not measured: written here only. */
  tasksOf (plan: Plan): Float64Array {
    if (plan === this.#lastTasksPlan) return this.#lastTasks!
    let tasks = this.#planTasks.get(plan)
    if (tasks === undefined) this.#planTasks.set(plan, tasks = new Float64Array(plan.size).fill(-1))
    this.#lastTasksPlan = plan
    this.#lastTasks = tasks
    return tasks
  }

  /** Task `t` of `plan`: its own estimate, else its handler's, else `typical`. */
  ofTask (plan: Plan, t: number, typical: number): number {
    const own = this.tasksOf(plan)[t]
    if (own >= 0) return own
    const e = this.#estimates[this.numbersOf(plan)[t]]
    return e >= 0 ? e : typical
  }

  /** Handler number of each task of `plan`. */
  numbersOf (plan: Plan): Int32Array {
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

  #growElements (n: number, size: number): Float64Array {
    const before = this.#elements[n]
    const grown = new Float64Array(Math.min(kMaxElements, Math.max(size, (before?.length ?? 0) * 2, 64))).fill(-1)
    if (before !== undefined) grown.set(before)
    this.#elements[n] = grown
    return grown
  }
}
