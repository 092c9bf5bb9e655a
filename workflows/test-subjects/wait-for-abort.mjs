/** Prints "<task> waiting" on stdout, then waits until ctx.signal aborts and rejects with its reason. */
export default function waitForAbort (input, ctx) {
  console.log(`${ctx.taskId} waiting`)
  return new Promise((resolve, reject) => {
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })
  })
}
