import { appendFileSync } from 'node:fs'

/** Appends "taskId attempt" to the file `params.file`: a test counts the lines to know how often a task ran. */
export default function counter (input, ctx) {
  appendFileSync(ctx.params.file, `${ctx.taskId} ${ctx.attempt}\n`)
  return ctx.taskId
}
