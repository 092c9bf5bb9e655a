/**
 * Decides what goes into one worker message: ready tasks of one execution,
 * plus chain successors, until their measured run time adds up to the target.
 * It keeps a run-time estimate per handler (an exponential average of what the
 * workers measured) and touches no thread: it can be tested on its own.
 *
 * Independent ready tasks are capped at a fair share of the ready work, so that
 * every free thread gets some; chain successors are not, since nothing else could
 * run them sooner (unless strict durability is on: a dependent then waits for
 * its dependency's result to be committed). A task with a timeout goes alone, so
 * that a batch has one deadline.
 */
import type { Plan } from '../workflow/planner.js'
import { TaskState, type Execution } from './execution.js'

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
  readonly #chains: boolean
  // Run-time estimate per handler (ms), by handler number; -1 until measured.
  #estimates = new Float64Array(16).fill(-1)
  readonly #handlerNumbers = new Map<string, number>()
  readonly #planHandlers = new WeakMap<Plan, Int32Array>()

  /** `chains`: whether chain successors may follow their dependency in the same batch. */
  constructor (targetMs: number, maxBatch: number, chains = true) {
    this.#targetMs = targetMs
    this.#maxBatch = maxBatch
    this.#chains = chains
  }

  /**
   * Takes the next batch of `exec` (which has a ready task) into `out`; returns
   * how many tasks it holds. Ready tasks are taken off the execution's queue.
   */
  take (exec: Execution, out: Int32Array, limits: BatchLimits): number {
    const { plan } = exec
    const numbers = this.#numbersOf(plan)
    const first = exec.takeReady()
    out[0] = first
    let count = 1
    if (plan.timeouts[first] !== 0) return 1
    let share = Math.ceil(limits.readyTotal / limits.freeThreads) - 1
    const limit = Math.min(this.#maxBatch, out.length, limits.concurrencyLeft)
    let budget = this.#targetMs - this.#estimate(numbers[first])
    let last = first
    while (count < limit && budget > 0) {
      // A chain successor first: it needs only the task just added.
      const next = this.#chains ? plan.chainNext[last] : -1
      if (next !== -1 && exec.state[next] === TaskState.Pending && exec.remaining[next] === 1) {
        out[count++] = next
        budget -= this.#estimate(numbers[next])
        last = next
        continue
      }
      const candidate = exec.peekReady()
      if (share <= 0 || candidate === -1 || plan.timeouts[candidate] !== 0) break
      exec.takeReady()
      share--
      out[count++] = candidate
      budget -= this.#estimate(numbers[candidate])
      last = candidate
    }
    return count
  }

  /** A worker measured `ms` of run time for task `i` of `plan`. */
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
    return numbers
  }
}
