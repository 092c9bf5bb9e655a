/** Exits its thread: in a worker, process.exit ends the worker, not the process. */
export default function exit () {
  process.exit(1)
}

/** Exits its thread when `params.exit` is set, else returns at once: warmed up, the scheduler batches it like any quick task. */
export function exitIf (input, ctx) {
  if (ctx.params.exit === true) process.exit(1)
  return 'stayed'
}
