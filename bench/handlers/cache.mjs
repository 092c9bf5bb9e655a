/**
 * Handlers of the cache scenario: `files` reads the per-file list from the JSON file
 * named by the execution input (so a changed file changes an element, not the
 * input), `digest` does `ctx.params.iterations` of fixed work per element and
 * returns a small summary or, with `ctx.params.bytes`, a buffer of that size.
 */
import { readFileSync } from 'node:fs'
import { burn } from './work.mjs'

export function files (input) {
  return JSON.parse(readFileSync(input.list, 'utf8'))
}

export function digest (input, ctx) {
  const file = ctx.deps.files
  const x = burn(ctx.params.iterations)
  if (ctx.params.bytes !== undefined) return new Uint8Array(ctx.params.bytes).fill(x & 0xff)
  return { name: file.name, size: file.size, x }
}

export function noop () {}
