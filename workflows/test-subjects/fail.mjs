/** Always throws an Error whose `code` (and message) come from params. */
export default function fail (input, ctx) {
  const { code = 'TEST_FAILURE', message = 'failed on purpose' } = ctx.params ?? {}
  throw Object.assign(new Error(message), { code })
}
