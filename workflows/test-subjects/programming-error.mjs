/** A bug: reads a property of undefined, which throws a TypeError on every attempt. */
export default function programmingError (input, ctx) {
  const missing = ctx.params?.missing
  return missing.length
}

/** Throws a ReferenceError. */
export function reference () {
  // eslint-disable-next-line no-undef
  return notDefinedAnywhere + 1
}

/** Throws an error with a code of its own, for nonRetryable lists that name codes. */
export function coded () {
  throw Object.assign(new Error('the quota is spent'), { code: 'E_QUOTA' })
}
