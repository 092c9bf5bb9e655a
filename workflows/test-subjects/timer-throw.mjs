/**
 * Throws from a timer callback, outside the handler's promise, which itself never
 * settles: the error reaches the worker as an uncaught exception, not a rejection.
 */
export default function timerThrow (input, ctx) {
  setTimeout(() => { throw new Error('thrown from a timer') }, ctx.params?.ms ?? 0)
  return new Promise(() => {})
}
