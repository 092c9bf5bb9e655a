/** Returns the W3C trace context the engine gave this attempt (`ctx.traceContext`); fails on attempts before `params.succeedOn`. */
export default function traceContext (input, ctx) {
  const succeedOn = ctx.params?.succeedOn ?? 1
  if (ctx.attempt < succeedOn) throw new Error(`attempt ${ctx.attempt} fails on purpose`)
  return { ...ctx.traceContext }
}
