import { appendFileSync, existsSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { join } from 'node:path'

/**
 * A step with a visible side effect: appends its task id to `<input.dir>/runs.txt`, so a
 * test counts how often each task ran, across processes. With `params.gate`, the step
 * cannot finish before `<input.dir>/marker` exists: it throws (`gate: 'fail'`) or waits
 * for the file (`gate: 'wait'`). With `params.hold`, once past the gate it also waits for
 * `<input.dir>/release`: a test keeps a retry running while another instance tries it.
 */
export default async function step (input, ctx) {
  appendFileSync(join(input.dir, 'runs.txt'), `${ctx.taskId}\n`)
  const marker = join(input.dir, 'marker')
  if (ctx.params?.gate === 'fail' && !existsSync(marker)) {
    throw Object.assign(new Error(`marker ${marker} does not exist yet`), { code: 'NO_MARKER' })
  }
  if (ctx.params?.gate === 'wait') {
    while (!existsSync(marker)) await delay(20, undefined, { signal: ctx.signal })
  }
  if (ctx.params?.hold === true) {
    while (!existsSync(join(input.dir, 'release'))) await delay(20, undefined, { signal: ctx.signal })
  }
  return { task: ctx.taskId, deps: Object.keys(ctx.deps).sort() }
}
