import { createWorkflow } from 'graph-task'

/**
 * Linear chains: step-0 -> step-1 -> ... -> step-(n-1). Nothing can run in parallel, so
 * the run time is n times the engine's per-task latency (dispatch, worker hop, result,
 * scheduling the next task): the benchmark for that latency.
 */

const NOOP = new URL('../shared/handlers.mjs#noop', import.meta.url)

/**
 * Builds an n-step chain with id `chain-${n}`.
 * @param {number} n steps, a positive integer
 * @param {string | URL} [handler] every step's handler; the shared `noop` by default
 * @param {unknown} [params] every step's static input, e.g. `{ us: 500 }` for `spin`
 * @throws {TypeError} if n is not a positive integer
 */
export function makeChain (n, handler = NOOP, params) {
  if (!Number.isInteger(n) || n < 1) throw new TypeError('n must be a positive integer')
  let builder = createWorkflow(`chain-${n}`)
    .setDescription(`Linear chain of ${n} tasks`)
    .setVersion('1.0.0')
  for (let i = 0; i < n; i++) {
    builder = builder.addTask(`step-${i}`, {
      handler,
      ...(i > 0 && { dependsOn: [`step-${i - 1}`] }),
      ...(params !== undefined && { input: params })
    })
  }
  return builder.build()
}

/** A 20-step chain of no-ops, id `chain-20`. */
export default makeChain(20)
