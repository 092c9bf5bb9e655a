/**
 * Timers of the tasks waiting out a retry delay, by execution, so that an
 * execution that ends (or is stopped) takes its pending retries with it.
 * setTimeout is given (listener, execution, task) as arguments: no closure per retry.
 */
import type { Execution } from './execution.js'

export interface RetryListener {
  /** The delay of task i's retry is over. */
  retryDue (exec: Execution, i: number): void
}

export class RetryTimers {
  readonly #listener: RetryListener
  readonly #timers = new Map<Execution, Map<number, NodeJS.Timeout>>()

  constructor (listener: RetryListener) {
    this.#listener = listener
  }

  /** Calls the listener for task i of `exec` in `delay` ms. */
  schedule (exec: Execution, i: number, delay: number): void {
    let timers = this.#timers.get(exec)
    if (timers === undefined) this.#timers.set(exec, timers = new Map())
    timers.set(i, setTimeout(due, delay, this, exec, i))
  }

  /** Drops the pending retries of `exec`. */
  clear (exec: Execution): void {
    const timers = this.#timers.get(exec)
    if (timers === undefined) return
    for (const timer of timers.values()) clearTimeout(timer)
    this.#timers.delete(exec)
  }

  /** @internal a timer fired */
  fire (exec: Execution, i: number): void {
    this.#timers.get(exec)?.delete(i)
    this.#listener.retryDue(exec, i)
  }
}

function due (timers: RetryTimers, exec: Execution, i: number): void {
  timers.fire(exec, i)
}
