import { appendFileSync } from 'node:fs'

/** Waits until ctx.signal aborts, then appends "aborted" to `params.file` and rejects. */
export default function abortable (input, ctx) {
  return new Promise((resolve, reject) => {
    ctx.signal.addEventListener('abort', () => {
      appendFileSync(ctx.params.file, 'aborted\n')
      reject(ctx.signal.reason)
    }, { once: true })
  })
}
