/**
 * Reads one integer field of an execution input, with its default. The input may be
 * missing altogether (`engine.execute(id)`), so every field has a default.
 *
 * A bad value throws an error with `code: 'INVALID_INPUT'` and `retryable: false`: no retry
 * can fix the input, and codes survive the worker boundary where error classes do not.
 * @param {unknown} input the execution input
 * @param {string} name
 * @param {{ default: number, min: number, max: number }} rule
 * @returns {number}
 */
export function readInt (input, name, rule) {
  const value = input?.[name] ?? rule.default
  if (!Number.isInteger(value) || value < rule.min || value > rule.max) {
    const error = new RangeError(`input.${name} must be an integer from ${rule.min} to ${rule.max}`)
    throw Object.assign(error, { code: 'INVALID_INPUT', retryable: false })
  }
  return value
}
