/**
 * The order in which an engine lets go, each step bounded in time, so that
 * close() returns within closeTimeout plus about two seconds whatever hangs:
 *
 *   running executions ──finish, or are cancelled at closeTimeout──▶
 *   recorder ──what is left of closeTimeout (at least kGrace) to commit, then reports what it could not──▶
 *   retry manager, pool, storage ──kGrace, then left to finish in the background
 */
import type { Logger } from 'pino'
import type { Recorder } from './telemetry/recorder.js'

// What close() adds to closeTimeout, at most, at each of its last two steps.
const kGrace = 1000

export interface ShutDown {
  /** The results of the executions still running. */
  running: Array<Promise<unknown>>
  /** Cancels every running execution. */
  cancelAll: (why: string) => void
  recorder: Recorder
  /** What releases the rest (instance row, worker pool, storage connections). */
  stoppers: Array<() => Promise<unknown> | undefined>
  logger: Logger
  closeTimeout: number
}

export async function shutDown ({ running, cancelAll, recorder, stoppers, logger, closeTimeout }: ShutDown): Promise<void> {
  const deadline = Date.now() + closeTimeout
  if (running.length > 0 && !await within(Promise.all(running), closeTimeout)) {
    logger.warn({ closeTimeout }, 'close(): executions still running at closeTimeout are cancelled')
    cancelAll(`cancelled by close(): still running after closeTimeout (${closeTimeout} ms)`)
  }
  // Records get what is left of closeTimeout, and at least kGrace even when the executions
  // used it all: a cancelled execution's records are worth a last try.
  await recorder.close(Math.max(deadline - Date.now(), Math.min(kGrace, closeTimeout)))
  if (!await within(Promise.all(stoppers.map(stop => stop())), kGrace)) {
    logger.warn('close(): the worker pool or storage did not close in time; left to finish in the background')
  }
}

/** Whether `promise` settles within `ms` (a rejection counts as settled). */
async function within (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const settled = promise.then(() => true, () => true)
  const late = new Promise<boolean>(resolve => { timer = setTimeout(resolve, ms, false) })
  try {
    return await Promise.race([settled, late])
  } finally {
    clearTimeout(timer)
  }
}
