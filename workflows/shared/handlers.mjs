/**
 * Handlers shared by the small benchmark workflows (chain, fanout). Named exports, picked
 * with a `#name` fragment on the handler URL.
 */

/** Does nothing: measures the engine's own cost per task. */
export function noop () {}

/** Does nothing but return a small object, as most pipeline steps return something. */
export function small () {
  return { n: 1, s: 'abc' }
}

/**
 * Keeps the CPU busy for `ctx.params.us` microseconds (default 1000), standing in for a
 * CPU-bound task of known length. A busy loop rather than a sleep, so that it holds its
 * thread the way real work does.
 * @returns {number} loop iterations, so the work cannot be optimised away
 */
export function spin (input, ctx) {
  const us = ctx.params?.us ?? 1000
  const end = performance.now() + us / 1000
  let iterations = 0
  while (performance.now() < end) iterations++
  return iterations
}

/** Returns what the task was given, to check what flows along the edges. */
export function echo (input, ctx) {
  return { deps: ctx.deps, params: ctx.params }
}
