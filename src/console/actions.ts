/**
 * The console's actions on an execution: retry (resume or restart), abandon, cancel.
 * Each is checked for the token by the router before it gets here.
 */
import { ErrorCodes } from '../errors.js'
import { ConsoleRequestError } from './console-error.js'
import type { EngineEvents } from '../event-bus.js'
import type { HistoryReader } from './history-reader.js'
import { badRequest } from './request.js'
import { retryUnavailable } from './action-states.js'

function needEngine (reader: HistoryReader, what: string): NonNullable<HistoryReader['engine']> {
  const engine = reader.engine
  if (engine === undefined) {
    throw new ConsoleRequestError(ErrorCodes.ACTION_UNAVAILABLE, `${what} needs an engine: this console reads storage only`)
  }
  return engine
}

/**
 * Starts a manual retry and answers as soon as it has started (not when it ends), with
 * the id of the new execution.
 */
export async function retry (reader: HistoryReader, id: string, body: Record<string, unknown>): Promise<{ executionId: string, retryOf: string, mode: string }> {
  const mode = body.mode ?? 'resume'
  if (mode !== 'resume' && mode !== 'restart') throw badRequest(`mode must be 'resume' or 'restart', got ${JSON.stringify(mode)}`)
  const engine = reader.engine
  if (engine === undefined) throw new ConsoleRequestError(ErrorCodes.ACTION_UNAVAILABLE, retryUnavailable(reader, '')!)
  // The failure case is the first execution of the failure; a retry's record points at it.
  const caseId = (await reader.storage.getExecution(id))?.retryOf ?? id
  let listener: ((event: EngineEvents['retry.started']) => void) | undefined
  const started = new Promise<string>(resolve => {
    listener = event => { if (event.retryOf === caseId) resolve(event.executionId) }
    engine.on('retry.started', listener)
  })
  try {
    const run = engine.manualRetry(id, { mode })
    run.catch(() => {}) // its failure is answered below, or it is the retry's own outcome, recorded in history
    const executionId = await Promise.race([started, run.then(result => result.executionId)])
    return { executionId, retryOf: caseId, mode }
  } finally {
    engine.off('retry.started', listener!)
  }
}

/** Closes a failure case without retrying it. @throws {ConsoleRequestError} 409 when there is no pending case */
export async function abandon (reader: HistoryReader, id: string, body: Record<string, unknown>): Promise<unknown> {
  const reason = body.reason ?? 'abandoned from the console'
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > 1000) throw badRequest('reason must be a string of 1 to 1000 characters')
  if (reader.engine !== undefined) return reader.engine.abandonRetry(id, reason)
  const retries = reader.retryStorage()
  if (retries === undefined) throw new ConsoleRequestError(ErrorCodes.ACTION_UNAVAILABLE, `storage "${reader.storage.kind}" keeps no failure cases`)
  if (!await retries.abandonRetry(id, reason, Date.now())) {
    throw new ConsoleRequestError(ErrorCodes.RETRY_NOT_ALLOWED, `execution ${id} has no pending failure case`)
  }
  return retries.getRetryRecord(id)
}

/** Cancels an execution running on the console's engine. @throws {ConsoleRequestError} 409 when it does not run here */
export async function cancel (reader: HistoryReader, id: string): Promise<{ executionId: string, cancelled: true }> {
  const engine = needEngine(reader, 'cancel')
  if (!await engine.cancelExecution(id)) {
    throw new ConsoleRequestError(ErrorCodes.ACTION_UNAVAILABLE, `execution ${id} is not running on this instance (${engine.instanceId})`)
  }
  return { executionId: id, cancelled: true }
}
