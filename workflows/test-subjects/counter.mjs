import { appendFileSync } from 'node:fs'

/**
 * Appends "taskId attempt" to the file `params.file`: a test counts the lines to know how
 * often a task ran. With `params.us`, busy that many microseconds first.
 */
export default function counter (input, ctx) {
  const end = performance.now() + (ctx.params.us ?? 0) / 1000
  while (performance.now() < end);
  appendFileSync(ctx.params.file, `${ctx.taskId} ${ctx.attempt}\n`)
  return ctx.taskId
}
