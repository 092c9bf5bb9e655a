/** Fails every attempt before `params.succeedOn` (attempts count from 1), then succeeds. */
export default function flaky (input, ctx) {
  const { succeedOn } = ctx.params
  if (ctx.attempt < succeedOn) throw new Error(`flaky: attempt ${ctx.attempt} failed, attempt ${succeedOn} will succeed`)
  return { attempt: ctx.attempt }
}
