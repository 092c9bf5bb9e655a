/**
 * Handlers of the mapping scenario (bench/map.bench.ts): a source that returns the
 * array a map runs over, and fixed-iteration work of which one element in
 * `params.slowEvery` is `params.factor` times longer, in the engine's calling
 * convention and in Piscina's (one argument, the task).
 */
import { burn } from './work.mjs'

/** `0 .. params.n - 1`: the array a map runs over. */
export function range (input, ctx) {
  const n = ctx.params.n
  const out = new Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}

/** Iterations of element `index`: `factor` times more for one element in `slowEvery`. */
function iterationsOf (p, index) {
  return index % p.slowEvery === p.slowAt ? p.iterations * p.factor : p.iterations
}

/** Engine handler: the element's work, its index from `ctx.mapIndex`. */
export function skewed (input, ctx) {
  return burn(iterationsOf(ctx.params, ctx.mapIndex))
}

/** Piscina handler: `task.index`'s work with the parameters of `task.p`. */
export function rawSkewed (task) {
  return burn(iterationsOf(task.p, task.index))
}

export { iterationsOf }
