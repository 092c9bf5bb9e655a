/**
 * A handler that keeps its ctx.deps and reads it in a later task: what it reads then
 * must be what the dependency returned, whatever the worker did with its memory since.
 */
let kept = null

/** Returns `params.value`. */
export function produce (_input, ctx) {
  return ctx.params.value
}

/** Keeps ctx.deps without reading it. */
export function keep (_input, ctx) {
  kept = ctx.deps
}

/** Reads what `keep` kept: its dependency `params.of`. */
export function readKept (_input, ctx) {
  return kept[ctx.params.of]
}
