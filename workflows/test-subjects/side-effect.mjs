import { appendFileSync, existsSync, writeFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { join } from 'node:path'

/**
 * A task with a side effect a test can count across processes: appends a line to
 * `<input.dir>/<executionId>.<taskId>` when it succeeds, and one with its process id to
 * `<executionId>.<taskId>.starts` when it starts. With `params.gate: 'wait'` it
 * first writes `<executionId>.<taskId>.waiting` and waits for `<input.dir>/release`:
 * a test kills or closes an instance while its executions wait there. `input.sleep`: ms to wait first.
 */
export default async function sideEffect (input, ctx) {
  if (input?.sleep !== undefined) await delay(input.sleep)
  const dir = input?.dir
  if (dir !== undefined) {
    appendFileSync(join(dir, `${ctx.executionId}.${ctx.taskId}.starts`), `${process.pid}\n`)
    if (ctx.params?.gate === 'wait') {
      writeFileSync(join(dir, `${ctx.executionId}.${ctx.taskId}.waiting`), '')
      while (!existsSync(join(dir, 'release'))) await delay(20, undefined, { signal: ctx.signal })
    }
    appendFileSync(join(dir, `${ctx.executionId}.${ctx.taskId}`), 'ran\n')
  }
  return { task: ctx.taskId, n: input?.n }
}
