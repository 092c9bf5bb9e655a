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

/** @throws {InvalidOptionsError} an unknown key, with the closest known one */
export function checkExecutionQuery (query: ExecutionQuery | undefined): ExecutionQuery {
  return checkOptionsObject(query, kExecutionQueryKeys, 'listExecutions()')
}

/** @throws {InvalidOptionsError} an unknown key, with the closest known one */
export function checkRetryQuery (query: RetryQuery | undefined): RetryQuery {
  return checkOptionsObject(query, kRetryQueryKeys, 'getFailedExecutions()')
}

const kCacheFilterKeys = optionKeys<CacheFilter>({ workflowId: true, taskId: true, before: true })

/** @throws {InvalidOptionsError} an unknown key, or a value of the wrong type */
export function checkCacheFilter (filter: CacheFilter | undefined): CacheFilter {
  const checked = checkOptionsObject(filter, kCacheFilterKeys, 'clearCache()')
  for (const key of ['workflowId', 'taskId'] as const) {
    if (checked[key] !== undefined && typeof checked[key] !== 'string') {
      throw new InvalidOptionsError(`clearCache(): ${key} must be a string; got ${describeValue(checked[key])}`)
    }
  }
  if (checked.before !== undefined && !Number.isFinite(checked.before)) {
    throw new InvalidOptionsError(`clearCache(): before must be a time in epoch ms; got ${describeValue(checked.before)}`)
  }
  return checked
}
