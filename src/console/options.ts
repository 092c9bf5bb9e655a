/**
 * Options of the web console: who may act, how often shared history is
 * polled for live updates, and where `serveConsole()` listens.
 */
import { InvalidOptionsError } from '../errors.js'
import { describeValue, rejectUnknownKeys } from '../option-keys.js'
import type { QueueOverview } from '../queue/types.js'

/** What the console reads of an execution queue: an `ExecutionQueue` (graph-task/queue) is one. */
export interface QueueView {
  overview (): Promise<QueueOverview>
}

/** Options of `createConsole`. */
export interface ConsoleOptions {
  /**
   * The token that actions (retry, abandon, cancel) must carry in the
   * `Authorization: Bearer <token>` header. Without one every action is refused (403):
   * the console only reads. Never read from a cookie or the URL.
   * @default process.env.GRAPH_TASK_CONSOLE_TOKEN, else none
   */
  token?: string
  /**
   * Refuses every action (403) even with the token.
   * @default false
   */
  readOnly?: boolean
  /**
   * How often, in ms, the console reads the newest executions from storage to send
   * changes made by other instances to its live clients (`/api/events`); 0 for engine
   * events only. Reads happen only while a client listens.
   * @default 1000
   */
  pollInterval?: number
  /**
   * The execution queue whose queues the Queues page shows: per workflow its waiting,
   * active, delayed and failed jobs and the instances serving it, and the schedules.
   * The console only reads it; closing it is the caller's.
   * @default none: the page says how to give one
   */
  queue?: QueueView
}

/** Options of `serveConsole()`: the console's options and where it listens. */
export interface ServeConsoleOptions extends ConsoleOptions {
  /**
   * TCP port; 0 for any free port.
   * @default 4600
   */
  port?: number
  /**
   * Interface to bind. Anything but a loopback address exposes the history (and, with a
   * token, the actions) to the network.
   * @default '127.0.0.1'
   */
  host?: string
}

export interface ResolvedConsoleOptions {
  token: string | undefined
  readOnly: boolean
  pollInterval: number
  queue: QueueView | undefined
}

const kConsoleKeys = ['token', 'readOnly', 'pollInterval', 'queue'] as const
const kServeKeys = [...kConsoleKeys, 'port', 'host'] as const

/** The shortest token the console takes. */
export const kMinTokenLength = 8

export const kConsoleDefaults = Object.freeze({ readOnly: false, pollInterval: 1000, port: 4600, host: '127.0.0.1' })

/**
 * @throws {InvalidOptionsError} for an unknown key, an empty token, or a bad interval
 */
export function resolveConsoleOptions (options: ConsoleOptions, where = 'createConsole()'): ResolvedConsoleOptions {
  rejectUnknownKeys(options, where === 'createConsole()' ? kConsoleKeys : kServeKeys, where)
  const token = options.token ?? (process.env.GRAPH_TASK_CONSOLE_TOKEN || undefined)
  if (token !== undefined && (typeof token !== 'string' || token.length < kMinTokenLength)) {
    throw new InvalidOptionsError(`${where}: token must be a string of at least ${kMinTokenLength} characters`)
  }
  const pollInterval = options.pollInterval ?? kConsoleDefaults.pollInterval
  if (!Number.isInteger(pollInterval) || pollInterval < 0) {
    throw new InvalidOptionsError(`${where}: pollInterval must be a non-negative integer (ms)`)
  }
  const readOnly = options.readOnly ?? kConsoleDefaults.readOnly
  if (typeof readOnly !== 'boolean') throw new InvalidOptionsError(`${where}: readOnly must be a boolean`)
  const queue = options.queue
  if (queue !== undefined && typeof (queue as Partial<QueueView> | null)?.overview !== 'function') {
    throw new InvalidOptionsError(`${where}: queue must be an ExecutionQueue (an object with overview()); got ${describeValue(queue)}`)
  }
  return { token, readOnly, pollInterval, queue }
}

/** Where `serveConsole()` listens. @throws {InvalidOptionsError} for a bad port or host */
export function listenAddress (options: ServeConsoleOptions): { port: number, host: string } {
  const port = options.port ?? kConsoleDefaults.port
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionsError('serveConsole(): port must be an integer from 0 to 65535')
  const host = options.host ?? kConsoleDefaults.host
  if (typeof host !== 'string' || host === '') throw new InvalidOptionsError('serveConsole(): host must be a non-empty string')
  return { port, host }
}
