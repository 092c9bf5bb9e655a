import { threadId } from 'node:worker_threads'

/**
 * Busy for `params.us` microseconds and says when and where, as epoch ms: tests compare
 * intervals across tasks to prove they overlapped (ran in parallel) or did not.
 */
export default function record (input, ctx) {
  const start = performance.timeOrigin + performance.now()
  const end = start + (ctx.params?.us ?? 1000) / 1000
  let now = start
  while (now < end) now = performance.timeOrigin + performance.now()
  return { start, end: now, threadId }
}
