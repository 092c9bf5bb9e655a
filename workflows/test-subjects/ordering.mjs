import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Handlers for ordering-only dependencies. Each appends its task id to
 * `<input.dir>/order.txt` when it runs. `gate` returns a number that changes on every
 * run (a count kept in `<input.dir>/gate.count`), and fails while `params.failUntil`
 * names a file not in `input.dir`. `keys` returns the ids `ctx.deps` holds, sorted.
 */
export function gate (input, ctx) {
  appendFileSync(join(input.dir, 'order.txt'), `${ctx.taskId}\n`)
  if (ctx.params?.failUntil !== undefined && !existsSync(join(input.dir, ctx.params.failUntil))) {
    throw Object.assign(new Error('the gate is closed'), { code: 'GATE_CLOSED' })
  }
  const file = join(input.dir, 'gate.count')
  const count = existsSync(file) ? Number(readFileSync(file, 'utf8')) + 1 : 1
  writeFileSync(file, String(count))
  return count
}

export function data (input, ctx) {
  appendFileSync(join(input.dir, 'order.txt'), `${ctx.taskId}\n`)
  return { value: 2 }
}

export function keys (input, ctx) {
  appendFileSync(join(input.dir, 'order.txt'), `${ctx.taskId}\n`)
  return Object.keys(ctx.deps).sort()
}
