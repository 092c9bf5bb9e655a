/**
 * Sums the bytes of the dependency named by `params.from`, then zeroes them in place, as
 * an in-place filter would. Fails every attempt before `params.succeedOn` (default 1).
 */
export default function mutate (input, ctx) {
  const bytes = ctx.deps[ctx.params.from]
  let total = 0
  for (let i = 0; i < bytes.length; i++) total += bytes[i]
  bytes.fill(0)
  if (ctx.attempt < (ctx.params.succeedOn ?? 1)) throw new Error(`mutate: attempt ${ctx.attempt} fails`)
  return total
}
