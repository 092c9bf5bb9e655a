/**
 * The handler of the calibration suite: a busy loop of `ctx.params.us` microseconds, made
 * 1.5x longer in the tasks marked `slow` when GRAPH_TASK_CALIBRATION_SLOW=1 (the worker
 * threads inherit the environment of the process that runs the suite).
 */
const kSlow = process.env.GRAPH_TASK_CALIBRATION_SLOW === '1' ? 1.5 : 1

export function spin (input, ctx) {
  const end = performance.now() + ctx.params.us * (ctx.params.slow === true ? kSlow : 1) / 1000
  let iterations = 0
  while (performance.now() < end) iterations++
  return iterations
}
