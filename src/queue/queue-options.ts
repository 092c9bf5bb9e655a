/** Options of the execution queue, of `submit`, `schedule` and `engine.serve`, and their checks. */
import pino, { type Logger } from 'pino'
import { InvalidOptionsError } from '../errors.js'
import { rejectUnknownKeys } from '../option-keys.js'

/** Where Redis is: a `redis://` URL, or ioredis options (host, port, username, password, db, tls...). */
export type RedisConnection = string | { host?: string, port?: number, [key: string]: unknown }

/** Options of `new ExecutionQueue()`. */
export interface ExecutionQueueOptions {
  /** Redis: a URL or ioredis options. */
  connection: RedisConnection
  /**
   * Prefix of every Redis key (BullMQ's and graph-task's).
   * @default 'gt'
   */
  prefix?: string
  /**
   * Name of this queue; each workflow gets the BullMQ queue `<name>.<workflowId>`.
   * @default 'graph-task'
   */
  name?: string
  /**
   * How long, in ms, finished jobs (with their results) and submitted ids stay in Redis:
   * the window in which the same id submitted again runs once, and `result(id)` answers.
   * @default 86400000 (one day)
   */
  keepFor?: number
  /**
   * ms after which a call that needs Redis (submit, cancelExecution, getExecutionStatus, counts,
   * schedules, and the lookup that getExecutionResult starts with) rejects with
   * QUEUE_UNAVAILABLE while Redis does not answer. A submit rejected so may still land
   * when Redis answers again: submit the same executionId again, it runs once.
   * @default 10000
   */
  unavailableAfter?: number
  /**
   * Where connection trouble is reported, once per change (lost, back).
   * @default pino({ level: 'warn' }, stderr)
   */
  logger?: Logger
}

export type ResolvedQueueOptions = Required<ExecutionQueueOptions>

const kQueueDefaults = Object.freeze({ prefix: 'gt', name: 'graph-task', keepFor: 86_400_000, unavailableAfter: 10_000 })
const kQueueKeys = ['connection', 'prefix', 'name', 'keepFor', 'unavailableAfter', 'logger'] as const

/** Options of one `submit`. */
export interface SubmitOptions {
  /** The execution id (1 to 26 of A-Z a-z 0-9 _ -); a new one when absent. Submitting an id twice runs it once. */
  executionId?: string
  /** BullMQ priority: 1 is the highest, 0 (the default) means none. */
  priority?: number
  /** ms to wait before the execution may start. */
  delay?: number
  /** Time limit of the whole execution, ms (EXECUTION_TIMEOUT). */
  timeout?: number
  /** The submitter's W3C `traceparent`; the execution's spans join its trace. */
  traceparent?: string
  /**
   * Queue it even when no live instance serves its workflow (one may start later); without
   * it such a submit is refused with WORKFLOW_NOT_SERVED.
   * @default false
   */
  waitForServer?: boolean
}

const kSubmitKeys = ['executionId', 'priority', 'delay', 'timeout', 'traceparent', 'waitForServer'] as const

/** When a schedule fires: every `every` ms, or on a cron pattern. */
export interface ScheduleOptions {
  every?: number
  cron?: string
  /** Time zone of the cron pattern. */
  tz?: string
}

/** Options of `engine.serve(queue, options)`. */
export interface ServeOptions {
  /**
   * Executions this instance runs at once, for each workflow it serves.
   * @default 4
   */
  concurrency?: number
  /**
   * ms an instance holds an execution without renewing its lock (renewed every half of it)
   * before BullMQ counts it as stalled and gives it to another instance. A killed instance's
   * executions resume elsewhere within about `lockDuration + stalledInterval`. An instance
   * whose main thread is blocked (or frozen) longer than this loses its executions: it
   * stops them and its late writes are fenced off.
   * @default 8000
   */
  lockDuration?: number
  /**
   * ms between checks for stalled executions, on every serving instance.
   * @default 4000
   */
  stalledInterval?: number
  /**
   * Redeliveries of a stalled execution before it fails with EXECUTION_REDELIVERY_LIMIT
   * (and opens a failure case) instead of being resumed once more.
   * @default 1
   */
  maxRedeliveries?: number
  /**
   * Which of this engine's events are published to `queue.on` listeners: `execution` (execution.*),
   * `all` (task and retry events too: one Redis message each), or `none`.
   * @default 'execution'
   */
  events?: 'execution' | 'all' | 'none'
  /**
   * Executions this instance runs at once across all the workflows it serves (`concurrency`
   * counts per workflow). Jobs taken past it wait on this instance, their locks renewed,
   * and the instance fetches no more until one ends.
   * @default Infinity (only `concurrency` per workflow)
   */
  maxRunning?: number
  /**
   * BullMQ's rate limiter, per workflow id: at most `max` executions of that workflow start
   * in each `duration` ms, counted in Redis across every instance (give each the same).
   * @default {} (no limit)
   */
  rateLimits?: Record<string, RateLimit>
}

/** At most `max` starts every `duration` ms. */
export interface RateLimit { max: number, duration: number }

export type ResolvedServeOptions = Required<ServeOptions>

const kServeDefaults: ResolvedServeOptions = Object.freeze({
  concurrency: 4, lockDuration: 8_000, stalledInterval: 4_000, maxRedeliveries: 1, events: 'execution', maxRunning: Infinity, rateLimits: {}
})

function positiveInteger (value: unknown, name: string, min = 1): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < min)) {
    throw new InvalidOptionsError(`${name} must be an integer of at least ${min}`)
  }
}

function nonEmpty (value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.includes(':'))) {
    throw new InvalidOptionsError(`${name} must be a non-empty string without ':'`)
  }
}

/** @throws {InvalidOptionsError} naming the option and the rule */
export function resolveQueueOptions (options: ExecutionQueueOptions): ResolvedQueueOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('ExecutionQueue options must be an object')
  rejectUnknownKeys(options, kQueueKeys, 'new ExecutionQueue()')
  const { connection } = options
  if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
    throw new InvalidOptionsError('connection must be a redis:// URL or ioredis options')
  }
  nonEmpty(options.prefix, 'prefix')
  nonEmpty(options.name, 'name')
  positiveInteger(options.keepFor, 'keepFor', 1000)
  positiveInteger(options.unavailableAfter, 'unavailableAfter', 100)
  if (options.logger !== undefined && (typeof options.logger !== 'object' || options.logger === null || typeof options.logger.warn !== 'function')) {
    throw new InvalidOptionsError('logger must be a pino logger')
  }
  return { ...kQueueDefaults, ...options, logger: options.logger ?? pino({ level: 'warn', name: 'graph-task' }, pino.destination(2)) }
}

/** @throws {InvalidOptionsError} naming the option and the rule */
export function checkSubmitOptions (options: SubmitOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('submit options must be an object')
  rejectUnknownKeys(options, kSubmitKeys, 'submit()')
  positiveInteger(options.priority, 'priority', 0)
  positiveInteger(options.delay, 'delay', 0)
  if (options.timeout !== undefined && (!Number.isFinite(options.timeout) || options.timeout <= 0)) {
    throw new InvalidOptionsError('timeout must be a positive number of ms')
  }
  if (options.traceparent !== undefined && typeof options.traceparent !== 'string') {
    throw new InvalidOptionsError('traceparent must be a string')
  }
  if (options.waitForServer !== undefined && typeof options.waitForServer !== 'boolean') {
    throw new InvalidOptionsError('waitForServer must be a boolean')
  }
}

/** @throws {InvalidOptionsError} naming the option and the rule */
export function checkScheduleOptions (options: ScheduleOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('schedule options must be an object')
  rejectUnknownKeys(options, ['every', 'cron', 'tz'], 'schedule()')
  if ((options.every === undefined) === (options.cron === undefined)) {
    throw new InvalidOptionsError('schedule() needs exactly one of every (ms) and cron (a pattern)')
  }
  positiveInteger(options.every, 'every', 1)
  if (options.cron !== undefined && (typeof options.cron !== 'string' || options.cron.length === 0)) {
    throw new InvalidOptionsError('cron must be a cron pattern')
  }
}

/** @throws {InvalidOptionsError} naming the option and the rule */
export function resolveServeOptions (options: ServeOptions): ResolvedServeOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('serve options must be an object')
  rejectUnknownKeys(options, Object.keys(kServeDefaults), 'serve()')
  positiveInteger(options.concurrency, 'concurrency')
  positiveInteger(options.lockDuration, 'lockDuration', 100)
  positiveInteger(options.stalledInterval, 'stalledInterval', 100)
  positiveInteger(options.maxRedeliveries, 'maxRedeliveries', 0)
  positiveInteger(options.maxRunning, 'maxRunning')
  checkRateLimits(options.rateLimits)
  if (options.events !== undefined && !['execution', 'all', 'none'].includes(options.events)) {
    throw new InvalidOptionsError("events must be 'execution', 'all' or 'none'")
  }
  return { ...kServeDefaults, ...options }
}

function checkRateLimits (limits: unknown): void {
  if (limits === undefined) return
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) throw new InvalidOptionsError('rateLimits must be an object of workflow id -> { max, duration }')
  for (const [workflowId, limit] of Object.entries(limits)) {
    if (typeof limit !== 'object' || limit === null) throw new InvalidOptionsError(`rateLimits.${workflowId} must be { max, duration }`)
    rejectUnknownKeys(limit, ['max', 'duration'], `rateLimits.${workflowId}`)
    if (limit.max === undefined || limit.duration === undefined) throw new InvalidOptionsError(`rateLimits.${workflowId} needs max and duration`)
    positiveInteger(limit.max, `rateLimits.${workflowId}.max`)
    positiveInteger(limit.duration, `rateLimits.${workflowId}.duration`)
  }
}

/** ioredis options from a URL or options; BullMQ needs `maxRetriesPerRequest: null` on its blocking connections. */
export function redisOptions (connection: RedisConnection): Record<string, unknown> {
  if (typeof connection !== 'string') return { ...connection, maxRetriesPerRequest: null }
  const url = new URL(connection)
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new InvalidOptionsError(`connection must be a redis:// URL, got "${connection}"`)
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username === '' ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null
  }
}
