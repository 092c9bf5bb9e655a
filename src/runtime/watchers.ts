/**
 * What ends an execution from outside besides cancelExecution(): the caller's
 * AbortSignal and the execution's own time limit. Undone when it finishes.
 */
import { ErrorCodes } from '../errors.js'
import type { Execution } from './execution.js'

/** Stops an execution: the scheduler's stop(). */
type Stop = (exec: Execution, code: string, message: string) => void

export class ExecutionWatchers {
  readonly #stop: Stop
  readonly #undo = new Map<Execution, () => void>()

  constructor (stop: Stop) {
    this.#stop = stop
  }

  /** Stops `exec` when `signal` aborts or after `timeout` ms, whichever comes first. */
  watch (exec: Execution, signal: AbortSignal | undefined, timeout: number | undefined): void {
    if (signal === undefined && timeout === undefined) return
    const onAbort = (): void => this.#stop(exec, ErrorCodes.CANCELLED,
      `cancelled by the caller's signal${signal?.reason instanceof Error ? `: ${signal.reason.message}` : ''}`)
    if (signal?.aborted === true) {
      // At once, not in a microtask: the scheduler held the execution's tasks for this.
      onAbort()
      return
    }
    let timer: NodeJS.Timeout | undefined
    if (timeout !== undefined) {
      timer = setTimeout(() => this.#stop(exec, ErrorCodes.EXECUTION_TIMEOUT, `execution timed out after ${timeout} ms`), timeout)
    }
    if (signal !== undefined) {
      signal.addEventListener('abort', onAbort, { once: true })
    }
    this.#undo.set(exec, () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    })
  }

  /** `exec` finished: its signal and timer no longer matter. */
  finished (exec: Execution): void {
    const undo = this.#undo.get(exec)
    if (undo === undefined) return
    this.#undo.delete(exec)
    undo()
  }
}
