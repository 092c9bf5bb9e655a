/** Unknown keys in the queries of history reads are refused, as in every options object. */
import { checkOptionsObject, describeValue, optionKeys } from './option-keys.js'
import { InvalidOptionsError } from './errors.js'
import type { ExecutionQuery, LogQuery, RetryQuery } from './types.js'
import type { CacheFilter } from './storage/cache-storage.js'

const kLogQueryKeys = optionKeys<LogQuery>({ taskId: true, level: true, limit: true, offset: true })
const kExecutionQueryKeys = optionKeys<ExecutionQuery>({
  workflowId: true, status: true, from: true, to: true, limit: true, offset: true, after: true, retryOf: true
})
const kRetryQueryKeys = optionKeys<RetryQuery>({ workflowId: true, status: true, limit: true, offset: true })

/** @throws {InvalidOptionsError} an unknown key, with the closest known one */
export function checkLogQuery (query: LogQuery | undefined): LogQuery {
  return checkOptionsObject(query, kLogQueryKeys, 'getExecutionLogs()')
}

/**
 * A time given as a Date or as epoch ms, in epoch ms: every option that takes a time takes both.
 * @throws {InvalidOptionsError} naming `name`, for anything else or an invalid Date
 */
export function epochMs (name: string, value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : value
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InvalidOptionsError(`${name} must be a Date or a time in epoch ms; got ${describeValue(value)}`)
  }
  return ms
}

/** A listing query whose times are epoch ms. */
export type TimedExecutionQuery = Omit<ExecutionQuery, 'from' | 'to'> & { from?: number, to?: number }

/**
 * The query with its times in epoch ms.
 * @throws {InvalidOptionsError} an unknown key (with the closest known one), or a time that is none
 */
export function checkExecutionQuery (query: ExecutionQuery | undefined): TimedExecutionQuery {
  const checked = checkOptionsObject(query, kExecutionQueryKeys, 'listExecutions()')
  if (checked.from === undefined && checked.to === undefined) return checked as TimedExecutionQuery
  const out: TimedExecutionQuery = { ...checked, from: undefined, to: undefined }
  if (checked.from !== undefined) out.from = epochMs('listExecutions(): from', checked.from)
  if (checked.to !== undefined) out.to = epochMs('listExecutions(): to', checked.to)
  return out
}

/** @throws {InvalidOptionsError} an unknown key, with the closest known one */
export function checkRetryQuery (query: RetryQuery | undefined): RetryQuery {
  return checkOptionsObject(query, kRetryQueryKeys, 'getFailedExecutions()')
}

const kCacheFilterKeys = optionKeys<CacheFilter>({ workflowId: true, taskId: true, before: true })

/** The filter with its time in epoch ms. @throws {InvalidOptionsError} an unknown key, or a value of the wrong type */
export function checkCacheFilter (filter: CacheFilter | undefined): CacheFilter {
  const checked = checkOptionsObject(filter, kCacheFilterKeys, 'clearCache()')
  for (const key of ['workflowId', 'taskId'] as const) {
    if (checked[key] !== undefined && typeof checked[key] !== 'string') {
      throw new InvalidOptionsError(`clearCache(): ${key} must be a string; got ${describeValue(checked[key])}`)
    }
  }
  if (checked.before === undefined) return checked
  return { ...checked, before: epochMs('clearCache(): before', checked.before) }
}
