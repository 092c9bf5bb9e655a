import { InvalidOptionsError } from '../errors.js'
import type { ResolvedRetryPolicy, RetryPolicy } from '../types.js'

export const kRetryDefaults: ResolvedRetryPolicy = Object.freeze({
  maxAutoRetries: 3,
  retryDelay: 1000,
  backoffMultiplier: 2,
  maxRetryDelay: 30_000,
  jitter: 0.2
})

/** @throws {InvalidOptionsError} naming the field and the rule */
export function validateRetryPolicy (policy: RetryPolicy, where = 'retry'): void {
  if (typeof policy !== 'object' || policy === null) {
    throw new InvalidOptionsError(`${where} must be an object`)
  }
  const { maxAutoRetries, retryDelay, backoffMultiplier, maxRetryDelay, jitter } = policy
  if (maxAutoRetries !== undefined && (!Number.isInteger(maxAutoRetries) || maxAutoRetries < 0)) {
    throw new InvalidOptionsError(`${where}.maxAutoRetries must be a non-negative integer`)
  }
  for (const [key, value] of [['retryDelay', retryDelay], ['maxRetryDelay', maxRetryDelay]] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new InvalidOptionsError(`${where}.${key} must be a non-negative number of ms`)
    }
  }
  if (backoffMultiplier !== undefined && (!Number.isFinite(backoffMultiplier) || backoffMultiplier < 1)) {
    throw new InvalidOptionsError(`${where}.backoffMultiplier must be a number >= 1`)
  }
  if (jitter !== undefined && (!Number.isFinite(jitter) || jitter < 0 || jitter > 1)) {
    throw new InvalidOptionsError(`${where}.jitter must be a number from 0 to 1`)
  }
}

export function resolveRetryPolicy (base: ResolvedRetryPolicy, override?: RetryPolicy): ResolvedRetryPolicy {
  return override === undefined ? base : Object.freeze({ ...base, ...override })
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
