import { availableParallelism } from 'node:os'
import type { ResourceLimits } from 'node:worker_threads'
import pino, { type Logger } from 'pino'
import { InvalidOptionsError } from './errors.js'
import { checkOptionsObject, describeValue, optionKeys } from './option-keys.js'
import type { ExecutionStorage } from './storage/storage.js'
import { MemoryStorage } from './storage/memory.js'
import { kValueLimits, type ResolvedRetryPolicy, type RetryPolicy } from './types.js'
import { checkStoredText } from './workflow/builder.js'
import { kRetryDefaults, validateRetryPolicy } from './runtime/backoff.js'
import { resolveOpenTelemetryOptions, type OpenTelemetryOptions, type ResolvedOpenTelemetryOptions } from './telemetry/otel/otel-options.js'
import { resolveTracerOptions, type ResolvedTracerOptions, type TracerOptions } from './telemetry/tracer-options.js'

/** Options of `new Engine()`. Every field is optional. */
export interface EngineOptions {
  /**
   * Worker threads in the pool. The pool keeps them all alive (min = max).
   * @default os.availableParallelism()
   */
  threads?: number
  /**
   * Tasks in flight (sent to the pool and not yet answered) across all executions.
   * @default Infinity (bounded by the pool)
   */
  maxConcurrency?: number
  /**
   * Tasks accepted but not finished, across all executions. `execute` rejects
   * with a QueueFullError beyond it.
   * @default 1000000
   */
  maxQueuedTasks?: number
  /**
   * Most instances a mapped task may have (elements of the array it is mapped over).
   * A longer array fails the mapped task with MAP_TOO_LARGE instead of filling memory:
   * each instance is a task, with its state, record and span.
   * @default 1000000
   */
  maxMapSize?: number
  /** Default retry policy of every task. */
  retry?: RetryPolicy
  /**
   * Where execution records, task results, logs and spans go.
   * @default new MemoryStorage()
   */
  storage?: ExecutionStorage
  /** Batching of spans, logs and records on their way to storage. */
  tracer?: TracerOptions
  /**
   * A pino logger for the engine's own lines. Quiet by default: warnings and errors only, on stderr.
   * @default pino({ level: 'warn' }, stderr)
   */
  logger?: Logger
  /**
   * Lowest level of log entries kept in execution logs (handler and engine lines).
   * @default 'info'
   */
  executionLogLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error'
  /**
   * Load TypeScript handler modules (.ts, .mts, .cts) in the workers through tsx, with no build step.
   * @default false
   */
  typescript?: boolean
  /** Passed to each worker thread. */
  resourceLimits?: ResourceLimits
  /**
   * Kept for the pool; with min = max threads it only applies to threads above that.
   * @default 60000
   */
  idleTimeout?: number
  /** Extra `execArgv` for the worker threads. */
  execArgv?: string[]
  /**
   * How long a cancelled or timed-out task may take to honour `ctx.signal` before its worker is terminated, in ms.
   * @default 100
   */
  cancelGracePeriod?: number
  /**
   * Target run time of one worker message, in ms. Short tasks of one execution are
   * sent together until their measured run time adds up to this, so that the
   * round trip to the worker is paid once per batch and not once per task. Higher
   * means fewer messages and better use of the cores for short tasks; lower means
   * a dependent on another thread can start sooner.
   * @default 5
   */
  batchTargetMs?: number
  /**
   * Most tasks in one worker message (the time budget, batchTargetMs, usually ends a
   * batch first; this bounds it for tasks of a few microseconds).
   * @default 512
   */
  maxBatchSize?: number
  /**
   * Finished executions kept in memory for status and result queries (storage keeps its own history).
   * @default 1000
   */
  retainExecutions?: number
  /**
   * How long finished executions stay in memory, in ms.
   * @default 600000
   */
  retainFor?: number
  /**
   * Keep task outputs in storage (needed to resume a failed execution without repeating work).
   * @default true
   */
  storeOutputs?: boolean
  /**
   * When task results reach storage.
   * - `'batched'`: in batches, every `tracer.flushInterval` or `tracer.batchSize` records;
   *   after a crash, a resume runs again the tasks that succeeded since the last batch.
   * - `'task'`: a task's result is committed before any task that depends on it starts, and
   *   before its execution reports its end (one transaction for all the results that
   *   finished together); after a crash, a resume runs again no task whose dependents
   *   had started or whose execution had ended. Chains are not run in one message then.
   * @default 'batched'
   */
  durability?: 'batched' | 'task'
  /**
   * How long `publishWorkflow` waits for one handler module to load in a worker, in ms,
   * counted from when the worker starts on it. A module that takes longer (a top-level
   * await that never settles) fails the publication with HANDLER_LOAD_TIMEOUT, and its
   * worker is replaced.
   * @default 30000
   */
  handlerLoadTimeout?: number
  /**
   * How long `close()` waits for running executions to finish and for storage to
   * accept what is still buffered, in ms. Executions still running then are
   * cancelled; `close()` returns within about two seconds more, whatever hangs.
   * @default 10000
   */
  closeTimeout?: number
  /**
   * How long a read of history (logs, traces, listings, status from storage) waits
   * for buffered writes to reach storage, in ms; after it, the read answers from
   * what storage has. It does not bound the read itself (see the storage's options).
   * @default 2000
   */
  readWait?: number
  /**
   * Name of this instance in execution records: 1 to 255 characters.
   * @default host:pid:random
   */
  instanceId?: string
  /**
   * How often this instance renews its heartbeat in shared storage (MySQL), in ms.
   * @default 5000
   */
  heartbeatInterval?: number
  /**
   * An instance whose heartbeat is older than this is dead: its running executions
   * are marked interrupted, to be retried. In ms; keep it several heartbeats long.
   * @default 30000
   */
  heartbeatTimeout?: number
  /**
   * Traces and metrics through `@opentelemetry/api` (an optional peer dependency):
   * `false` turns them off, an object picks what is reported and the providers.
   * Without the package installed nothing is reported, whatever this says.
   * @default true (the global tracer and meter providers, when the package is installed)
   */
  openTelemetry?: boolean | OpenTelemetryOptions
}

export interface ResolvedEngineOptions {
  threads: number
  maxConcurrency: number
  maxQueuedTasks: number
  maxMapSize: number
  retry: ResolvedRetryPolicy
  storage: ExecutionStorage
  tracer: ResolvedTracerOptions
  logger: Logger
  executionLogLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error'
  typescript: boolean
  resourceLimits: ResourceLimits | undefined
  idleTimeout: number
  execArgv: string[]
  cancelGracePeriod: number
  batchTargetMs: number
  maxBatchSize: number
  retainExecutions: number
  retainFor: number
  storeOutputs: boolean
  durability: 'batched' | 'task'
  handlerLoadTimeout: number
  closeTimeout: number
  readWait: number
  instanceId: string | undefined
  heartbeatInterval: number
  heartbeatTimeout: number
  openTelemetry: ResolvedOpenTelemetryOptions
}

const kDefaults = Object.freeze({
  maxConcurrency: Infinity,
  maxQueuedTasks: 1_000_000,
  maxMapSize: 1_000_000,
  executionLogLevel: 'info' as const,
  typescript: false,
  idleTimeout: 60_000,
  cancelGracePeriod: 100,
  batchTargetMs: 5,
  maxBatchSize: 512,
  retainExecutions: 1000,
  retainFor: 600_000,
  storeOutputs: true,
  durability: 'batched' as const,
  handlerLoadTimeout: 30_000,
  closeTimeout: 10_000,
  readWait: 2000,
  heartbeatInterval: 5000,
  heartbeatTimeout: 30_000
})

const kMaxTimer = 2 ** 31 - 1

const kEngineOptionKeys = optionKeys<EngineOptions>({
  threads: true, maxConcurrency: true, maxQueuedTasks: true, maxMapSize: true, retry: true, storage: true, tracer: true, logger: true,
  executionLogLevel: true, typescript: true, resourceLimits: true, idleTimeout: true, execArgv: true, cancelGracePeriod: true,
  batchTargetMs: true, maxBatchSize: true, retainExecutions: true, retainFor: true, storeOutputs: true, durability: true,
  handlerLoadTimeout: true, closeTimeout: true, readWait: true, instanceId: true, heartbeatInterval: true, heartbeatTimeout: true,
  openTelemetry: true
})

const kLogLevels = new Set(['trace', 'debug', 'info', 'warn', 'error'])

/** @throws {InvalidOptionsError} naming the option and the rule */
export function resolveOptions (given?: EngineOptions): ResolvedEngineOptions {
  const options = checkOptionsObject(given, kEngineOptionKeys, 'new Engine()')
  const threads = options.threads ?? availableParallelism()
  if (!Number.isInteger(threads) || threads < 1) {
    throw new InvalidOptionsError(`threads must be a positive integer; got ${describeValue(threads)}`)
  }
  if (options.retry !== undefined) validateRetryPolicy(options.retry)
  checkShape(options.logger, 'logger', kLoggerMethods, 'a pino logger')
  checkShape(options.storage, 'storage', kStorageMethods, 'an ExecutionStorage')
  checkExecArgv(options.execArgv)
  checkResourceLimits(options.resourceLimits)
  const tracer = resolveTracerOptions(options.tracer)
  const resolved: ResolvedEngineOptions = {
    ...kDefaults,
    ...stripUndefined(options),
    threads,
    retry: Object.freeze({ ...kRetryDefaults, ...options.retry }),
    storage: options.storage ?? new MemoryStorage(),
    tracer,
    logger: options.logger ?? pino({ level: 'warn', name: 'graph-task' }, pino.destination(2)),
    resourceLimits: options.resourceLimits,
    execArgv: options.execArgv ?? [],
    instanceId: options.instanceId,
    openTelemetry: resolveOpenTelemetryOptions(options.openTelemetry)
  }
  const { maxConcurrency, maxQueuedTasks, maxMapSize, maxBatchSize, retainExecutions } = resolved
  if (!(maxConcurrency === Infinity || (Number.isInteger(maxConcurrency) && maxConcurrency >= 1))) {
    throw new InvalidOptionsError(`maxConcurrency must be a positive integer or Infinity; got ${describeValue(maxConcurrency)}`)
  }
  for (const [key, value] of [['maxQueuedTasks', maxQueuedTasks], ['maxMapSize', maxMapSize], ['maxBatchSize', maxBatchSize],
    ['retainExecutions', retainExecutions]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidOptionsError(`${key} must be a positive integer; got ${describeValue(value)}`)
  }
  for (const key of ['idleTimeout', 'cancelGracePeriod', 'batchTargetMs', 'retainFor', 'closeTimeout', 'readWait', 'heartbeatInterval', 'heartbeatTimeout'] as const) {
    const value = resolved[key]
    if (!Number.isFinite(value) || value < 0) throw new InvalidOptionsError(`${key} must be a non-negative number of ms; got ${describeValue(value)}`)
  }
  const { handlerLoadTimeout } = resolved
  // setTimeout fires at once for delays past 2^31 - 1 ms, so larger values cannot be honoured.
  if (!(handlerLoadTimeout > 0 && handlerLoadTimeout <= kMaxTimer)) {
    throw new InvalidOptionsError(`handlerLoadTimeout must be a positive number of ms, at most ${kMaxTimer}; got ${describeValue(handlerLoadTimeout)}`)
  }
  if (resolved.heartbeatTimeout <= resolved.heartbeatInterval) {
    throw new InvalidOptionsError(`heartbeatTimeout (${resolved.heartbeatTimeout}) must be longer than heartbeatInterval (${resolved.heartbeatInterval})`)
  }
  if (resolved.instanceId !== undefined) {
    if (typeof resolved.instanceId !== 'string' || resolved.instanceId.length === 0) throw new InvalidOptionsError(`instanceId must be a non-empty string; got ${describeValue(resolved.instanceId)}`)
    checkStoredText('instanceId', resolved.instanceId, kValueLimits.instanceId)
  }
  if (resolved.durability !== 'batched' && resolved.durability !== 'task') {
    throw new InvalidOptionsError(`durability must be 'batched' or 'task'; got ${describeValue(resolved.durability)}`)
  }
  if (!kLogLevels.has(resolved.executionLogLevel)) {
    throw new InvalidOptionsError(`executionLogLevel must be one of trace, debug, info, warn, error; got ${describeValue(resolved.executionLogLevel)}`)
  }
  for (const key of ['typescript', 'storeOutputs'] as const) {
    if (typeof resolved[key] !== 'boolean') throw new InvalidOptionsError(`${key} must be a boolean; got ${describeValue(resolved[key])}`)
  }
  const storage = resolved.storage as Partial<ExecutionStorage>
  for (const method of ['init', 'writeExecutions', 'writeTaskResults', 'writeLogs', 'writeSpans', 'getExecution', 'close'] as const) {
    if (typeof storage[method] !== 'function') {
      throw new InvalidOptionsError(`storage must implement ExecutionStorage (missing ${method}())`)
    }
  }
  return resolved
}

function stripUndefined<T extends object> (o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const key of Object.keys(o) as Array<keyof T>) if (o[key] !== undefined) out[key] = o[key]
  return out
}

const kLoggerMethods = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'child', 'isLevelEnabled'] as const
const kStorageMethods = ['init', 'writeExecutions', 'writeTaskResults', 'writeLogs', 'writeSpans', 'getExecution',
  'listExecutions', 'getTaskResults', 'getLogs', 'getSpans', 'close'] as const

/** @throws {InvalidOptionsError} unless an array of strings */
function checkExecArgv (value: unknown): void {
  if (value === undefined) return
  if (!Array.isArray(value) || value.some(arg => typeof arg !== 'string')) {
    throw new InvalidOptionsError(`execArgv must be an array of strings (flags for the worker threads); got ${describeValue(value)}`)
  }
}

const kResourceLimitKeys = optionKeys<ResourceLimits>({ maxOldGenerationSizeMb: true, maxYoungGenerationSizeMb: true, codeRangeSizeMb: true, stackSizeMb: true })

/** @throws {InvalidOptionsError} unless Node's ResourceLimits: known keys, each a positive number of MB */
function checkResourceLimits (value: unknown): void {
  if (value === undefined) return
  const limits = checkOptionsObject(value as ResourceLimits, kResourceLimitKeys, 'new Engine({ resourceLimits })')
  for (const [key, mb] of Object.entries(limits)) {
    if (mb !== undefined && (typeof mb !== 'number' || !Number.isFinite(mb) || mb <= 0)) {
      throw new InvalidOptionsError(`resourceLimits.${key} must be a positive number of MB; got ${describeValue(mb)}`)
    }
  }
}

/**
 * An option that takes an object checked by its type as well as its key: every method the
 * engine will call is there, so that a wrong value fails here, not later in a callback.
 * @throws {InvalidOptionsError} naming the option and the first method missing
 */
function checkShape (value: unknown, name: string, methods: readonly string[], what: string): void {
  if (value === undefined) return
  const missing = typeof value === 'object' && value !== null
    ? methods.find(m => typeof (value as Record<string, unknown>)[m] !== 'function')
    : methods[0]
  if (missing !== undefined) {
    throw new InvalidOptionsError(`${name} must be ${what}: its ${missing}() method is missing; got ${describeValue(value)}`)
  }
}
