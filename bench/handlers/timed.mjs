/**
 * Handlers of the critical-path scenario (bench/critical-path.bench.ts): tasks of a
 * known wall-clock length, so that a schedule's makespan can be set against its lower
 * bound. Busy loops, not sleeps: a task holds its thread as real work does.
 */

function spinFor (us) {
  const end = performance.now() + us / 1000
  let iterations = 0
  while (performance.now() < end) iterations++
  return iterations
}

/** Busy for `ctx.params.us` microseconds. */
export function spin (input, ctx) {
  return spinFor(ctx.params.us)
}

/** Busy for `ctx.params.us`, then returns `ctx.params.list`: the array a map runs over. */
export function list (input, ctx) {
  spinFor(ctx.params.us)
  return ctx.params.list
}

/** An instance of a map over `list`: busy for its element, in microseconds. */
export function element (input, ctx) {
  return spinFor(ctx.deps.list)
}
