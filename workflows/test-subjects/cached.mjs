import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { join } from 'node:path'

/**
 * Handlers for cached tasks, each counting its real calls: a line appended to
 * `<input.dir>/calls.<taskId>` per call. `files` reads the array in
 * `<input.dir>/items.json` (so a test changes the data without changing the
 * execution input), `work` doubles its element's `value` (after `sleep` ms, failing
 * while `failUntil` names a file not in `input.dir`), `sum` adds the works' outputs.
 */
export function files (input) {
  return JSON.parse(readFileSync(join(input.dir, 'items.json'), 'utf8'))
}

export async function work (input, ctx) {
  appendFileSync(join(input.dir, `calls.${ctx.taskId}`), `${JSON.stringify(ctx.deps.files ?? null)}\n`)
  const item = ctx.deps.files ?? ctx.params
  if (item?.sleep !== undefined) await delay(item.sleep)
  if (item?.failUntil !== undefined && !existsSync(join(input.dir, item.failUntil))) {
    throw Object.assign(new Error(`fails until ${item.failUntil} exists`), { code: 'NOT_YET' })
  }
  if (item?.bytes !== undefined) return new Uint8Array(item.bytes).fill(7)
  return { doubled: item.value * 2 }
}

export function sum (input, ctx) {
  appendFileSync(join(input.dir, `calls.${ctx.taskId}`), 'ran\n')
  return ctx.deps.work.reduce((total, out) => total + out.doubled, 0)
}
