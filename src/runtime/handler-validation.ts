/**
 * Loads a workflow's handler modules in a worker at publish time, each within a time limit.
 *
 *   main ──{ specs, progress }──▶ worker: for each spec
 *                                     progress[0] = i + 1              (shared memory)
 *                                     import(module)
 *                                     on failure: progress[0] = -(i + 1), find where
 *   main ◀──[ problems ]
 *
 * The limit counts from when the worker starts on a module, not from the call: a validation
 * that waits in the pool's queue behind busy workers is not stuck, and each module of a
 * workflow gets the whole limit. A module past it (a top-level await that never settles)
 * aborts the run, and Piscina terminates the worker of an aborted task and starts another:
 * the pool is whole again for what comes next.
 */
import type { Piscina } from 'piscina'
import { ErrorCodes } from '../errors.js'
import { messageOf } from '../wire/error-info.js'
import type { HandlerProblem, ValidateMessage } from '../wire/batch-format.js'

/**
 * The problems of each handler spec (`file:` URL with an optional `#export`): none when all load.
 * A module that does not load within `timeout` ms is HANDLER_LOAD_TIMEOUT, one that ends its
 * worker while it loads HANDLER_LOAD_FAILED.
 */
export async function validateHandlers (pool: Piscina, specs: string[], timeout: number): Promise<HandlerProblem[]> {
  const progress = new Int32Array(new SharedArrayBuffer(4))
  const controller = new AbortController()
  const deadline = new Deadline(progress, timeout, () => controller.abort())
  try {
    const message: ValidateMessage = { specs, progress }
    return await pool.run(message, { name: 'validate', signal: controller.signal })
  } catch (err) {
    const loading = specs[Math.abs(Atomics.load(progress, 0)) - 1]
    // Not started on any module: the pool itself failed (closed, for one).
    if (loading === undefined) throw err
    const module = moduleOf(loading)
    if (controller.signal.aborted) {
      return [{
        handler: loading,
        code: ErrorCodes.HANDLER_LOAD_TIMEOUT,
        message: `handler module ${module} did not finish loading within ${timeout} ms (handlerLoadTimeout); its worker was terminated`
      }]
    }
    return [{
      handler: loading,
      code: ErrorCodes.HANDLER_LOAD_FAILED,
      message: `handler module ${module} ended its worker while loading: ${messageOf(err)}`
    }]
  } finally {
    deadline.close()
  }
}

function moduleOf (spec: string): string {
  const hash = spec.indexOf('#')
  return hash === -1 ? spec : spec.slice(0, hash)
}

/**
 * Calls `expire` once the worker has been on one module for `timeout` ms. A negative
 * progress (the import failed, the worker is finding out where) stops the clock. It reads
 * the shared progress a few times per limit rather than waiting on it: Node 20 has
 * Atomics.waitAsync, but the ES2023 lib the project compiles against does not.
 */
class Deadline {
  readonly #poll: NodeJS.Timeout
  #seen = 0
  #since = 0

  constructor (progress: Int32Array, timeout: number, expire: () => void) {
    this.#poll = setInterval(() => {
      const current = Atomics.load(progress, 0)
      if (current !== this.#seen || current < 0) {
        this.#seen = current
        this.#since = performance.now()
      } else if (current !== 0 && performance.now() - this.#since >= timeout) {
        this.close()
        expire()
      }
    }, Math.max(1, Math.min(100, timeout / 10)))
  }

  close (): void {
    clearInterval(this.#poll)
  }
}
