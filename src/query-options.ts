/** Unknown keys in the queries of history reads are refused, as in every options object. */
import { checkOptionsObject, optionKeys } from './option-keys.js'
import type { ExecutionQuery, LogQuery, RetryQuery } from './types.js'

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
