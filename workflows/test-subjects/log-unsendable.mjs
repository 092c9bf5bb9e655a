/** Logs a line whose data holds a function, which cannot be sent between threads, then succeeds. */
export default function logUnsendable (input, ctx) {
  ctx.logger.info('with a callback', { callback: () => 1 })
  ctx.logger.info('plain', { n: 1 })
  return 'done'
}
