/** Logs one line at each level, with data, then returns the number of lines logged. */
export default function logger (input, ctx) {
  const levels = ['trace', 'debug', 'info', 'warn', 'error']
  for (const level of levels) ctx.logger[level](`${level} line`, { level, taskId: ctx.taskId })
  return levels.length
}
