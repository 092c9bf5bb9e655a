import { setTimeout as delay } from 'node:timers/promises'

/** Waits `params.ms` ms without using the CPU; rejects with an AbortError when ctx.signal aborts. */
export default async function sleep (input, ctx) {
  await delay(ctx.params.ms, undefined, { signal: ctx.signal })
  return { slept: ctx.params.ms }
}
