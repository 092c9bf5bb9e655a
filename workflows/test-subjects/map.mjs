import { appendFileSync, existsSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { join } from 'node:path'

/**
 * Handlers for mapped tasks. `list` returns `input.items` (whatever it is: the tests
 * give arrays, empty ones and things that are not arrays), or `0 .. input.count - 1`. `element` is run once per
 * element: it appends a line to `<input.dir>/<taskId>.<mapIndex>` when it runs (so a
 * test counts real runs), sleeps `element.sleep` ms, fails while `element.failUntil`
 * names a file that does not exist in `input.dir`, and returns what it saw.
 * `gather` returns the dependency named by `params.from` as it got it.
 */
export function list (input) {
  return 'count' in input ? Array.from({ length: input.count }, (_, i) => i) : input.items
}

export async function element (input, ctx) {
  const from = ctx.params?.from ?? 'list'
  const value = ctx.deps[from]
  if (input?.dir !== undefined) appendFileSync(join(input.dir, `${ctx.taskId}.${ctx.mapIndex}`), 'ran\n')
  const item = typeof value === 'object' && value !== null && 'item' in value ? value.item : value
  const sleep = item?.sleep ?? value?.sleep
  if (sleep !== undefined) await delay(sleep)
  const failUntil = item?.failUntil ?? value?.failUntil
  if (failUntil !== undefined && !existsSync(join(input.dir, failUntil))) {
    throw Object.assign(new Error(`element ${ctx.mapIndex} fails until ${failUntil} exists`), { code: 'NOT_YET' })
  }
  return { item, index: ctx.mapIndex, task: ctx.taskId, other: ctx.params?.other === undefined ? undefined : ctx.deps[ctx.params.other] }
}

export function gather (input, ctx) {
  return ctx.deps[ctx.params?.from ?? 'list']
}

export function constant (input, ctx) {
  return ctx.params?.value ?? 'whole'
}
