/**
 * Fixed-iteration CPU work: the same loop on the main thread (where
 * bench/lib/work.ts calibrates it and measures the single-thread time) and in the
 * workers (engine handler `work`, raw Piscina handlers in raw.mjs).
 *
 * A task of N iterations costs the same CPU wherever it runs, so when the main
 * thread takes a core from a worker, the worker's tasks take longer and the loss
 * shows in the efficiency. A handler that spins until a wall-clock deadline would
 * finish on time however little of the core it got, and hide that loss.
 */

/**
 * xorshift32 steps: no allocation, no call, a data dependency from one step to the
 * next so that the JIT can neither drop nor vectorise the loop.
 * @param {number} iterations
 * @returns {number} the last state, so that the work cannot be optimised away
 */
export function burn (iterations) {
  let x = 0x9e3779b9 | 0
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
  }
  return x
}

/** Engine handler: `ctx.params.iterations` of burn. */
export function work (input, ctx) {
  return burn(ctx.params.iterations)
}
