import { appendFileSync } from 'node:fs'

/**
 * Appends "waiting" to `params.file` once it runs, waits until ctx.signal aborts, then
 * appends "aborted" and rejects.
 */
export default function abortable (input, ctx) {
  appendFileSync(ctx.params.file, 'waiting\n')
  return new Promise((resolve, reject) => {
    ctx.signal.addEventListener('abort', () => {
      appendFileSync(ctx.params.file, 'aborted\n')
      reject(ctx.signal.reason)
    }, { once: true })
  })
}
