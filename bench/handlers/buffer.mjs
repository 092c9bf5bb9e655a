/**
 * Engine handlers of the big-data scenario: a chain whose first step makes a large
 * typed array and whose other steps touch every page of it and pass it on. The raw
 * Piscina baseline does the same work in bench/handlers/raw.mjs (make, pass).
 */

/** Allocates `ctx.params.bytes` bytes and writes one byte per 4 KiB page. */
export function make (input, ctx) {
  const data = new Uint8Array(ctx.params.bytes)
  for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff
  return data
}

/** Touches every page of the output of the task named by `ctx.params.from` and returns it. */
export function pass (input, ctx) {
  const data = ctx.deps[ctx.params.from]
  for (let i = 0; i < data.length; i += 4096) data[i]++
  return data
}
