import { InvalidOptionsError, type ErrorInfo } from '../errors.js'
import { describeValue, optionKeys, rejectUnknownKeys } from '../option-keys.js'
import type { ResolvedRetryPolicy, RetryPolicy } from '../types.js'

/**
 * Programming errors: a second attempt runs the same code on the same input and
 * fails the same way, so retrying them only delays the report (by 1 + 2 + 4 s with
 * the default backoff).
 */
const kDefaultNonRetryable: readonly string[] = Object.freeze(['TypeError', 'ReferenceError', 'SyntaxError'])

export const kRetryDefaults: ResolvedRetryPolicy = Object.freeze({
  maxAutoRetries: 3,
  retryDelay: 1000,
  backoffMultiplier: 2,
  maxRetryDelay: 30_000,
  jitter: 0.2,
  nonRetryable: kDefaultNonRetryable
})

const kRetryPolicyKeys = optionKeys<RetryPolicy>({
  maxAutoRetries: true, retryDelay: true, backoffMultiplier: true, maxRetryDelay: true, jitter: true, nonRetryable: true
})

/** @throws {InvalidOptionsError} naming the field and the rule, or an unknown key */
export function validateRetryPolicy (policy: RetryPolicy, where = 'retry'): void {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
    throw new InvalidOptionsError(`${where} must be an object; got ${describeValue(policy)}`)
  }
  rejectUnknownKeys(policy, kRetryPolicyKeys, where)
  const { maxAutoRetries, retryDelay, backoffMultiplier, maxRetryDelay, jitter, nonRetryable } = policy
  if (maxAutoRetries !== undefined && (!Number.isInteger(maxAutoRetries) || maxAutoRetries < 0)) {
    throw new InvalidOptionsError(`${where}.maxAutoRetries must be a non-negative integer; got ${describeValue(maxAutoRetries)}`)
  }
  for (const [key, value] of [['retryDelay', retryDelay], ['maxRetryDelay', maxRetryDelay]] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new InvalidOptionsError(`${where}.${key} must be a non-negative number of ms; got ${describeValue(value)}`)
    }
  }
  if (backoffMultiplier !== undefined && (!Number.isFinite(backoffMultiplier) || backoffMultiplier < 1)) {
    throw new InvalidOptionsError(`${where}.backoffMultiplier must be a number >= 1; got ${describeValue(backoffMultiplier)}`)
  }
  if (jitter !== undefined && (!Number.isFinite(jitter) || jitter < 0 || jitter > 1)) {
    throw new InvalidOptionsError(`${where}.jitter must be a number from 0 to 1; got ${describeValue(jitter)}`)
  }
  if (nonRetryable !== undefined && (!Array.isArray(nonRetryable) || !nonRetryable.every(n => typeof n === 'string' && n.length > 0))) {
    throw new InvalidOptionsError(`${where}.nonRetryable must be an array of error names or codes; got ${describeValue(nonRetryable)}`)
  }
}

/**
 * Whether a failed attempt may be retried under `policy`: not when the error says so
 * (`retryable: false`, NON_RETRYABLE), nor when its name or code is in `nonRetryable`.
 * Decided on the plain-data error, as the class does not cross the thread boundary.
 */
export function isRetryable (error: ErrorInfo, policy: ResolvedRetryPolicy): boolean {
  if (error.retryable === false) return false
  const list = policy.nonRetryable
  for (let k = 0; k < list.length; k++) {
    if (list[k] === error.code || list[k] === error.name) return false
  }
  return true
}

export function resolveRetryPolicy (base: ResolvedRetryPolicy, override?: RetryPolicy): ResolvedRetryPolicy {
  if (override === undefined) return base
  const policy = { ...base, ...override }
  if (override.nonRetryable !== undefined) policy.nonRetryable = Object.freeze(override.nonRetryable.slice())
  return Object.freeze(policy)
}

/**
 * Delay before the retry that follows failed attempt `attempt` (1-based):
 * `min(maxRetryDelay, retryDelay * backoffMultiplier^(attempt-1))`, scaled by a
 * random factor in `[1 - jitter, 1]` so that it never exceeds the cap.
 */
export function retryDelay (policy: ResolvedRetryPolicy, attempt: number, random = Math.random()): number {
  const base = Math.min(policy.maxRetryDelay, policy.retryDelay * policy.backoffMultiplier ** (attempt - 1))
  return base * (1 - policy.jitter * random)
}
