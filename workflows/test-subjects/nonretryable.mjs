/** Throws an Error with code NON_RETRYABLE: the engine must not retry it. */
export default function nonretryable () {
  throw Object.assign(new Error('this failure must not be retried'), { code: 'NON_RETRYABLE' })
}

/** The same, thrown as a plain object rather than an Error. */
export function plain () {
  // eslint-disable-next-line no-throw-literal
  throw { code: 'NON_RETRYABLE', message: 'plain object thrown, must not be retried' }
}
