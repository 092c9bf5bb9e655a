import type { ErrorInfo } from './errors.js'

/**
 * Times are epoch milliseconds with microsecond precision (three decimals), taken
 * from `performance.timeOrigin + performance.now()` on whichever thread saw the
 * moment. They round-trip exactly through storage (MySQL DATETIME(6)).
 */
export type EpochMs = number

export type ExecutionStatus = 'running' | 'success' | 'failed' | 'cancelled' | 'interrupted'
export type TaskStatus = 'pending' | 'running' | 'success' | 'failed' | 'skipped' | 'cancelled'
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'

/** Retry policy of a task or of the engine. */
export interface RetryPolicy {
  /**
   * Automatic retries after the first attempt fails.
   * @default 3
   */
  maxAutoRetries?: number
  /**
   * Delay before the first retry, in ms.
   * @default 1000
   */
  retryDelay?: number
  /**
   * Each further retry waits this many times longer.
   * @default 2
   */
  backoffMultiplier?: number
  /**
   * Cap on the delay between retries, in ms.
   * @default 30000
   */
  maxRetryDelay?: number
  /**
   * Random jitter as a fraction of the delay: the delay is scaled by a factor in
   * `[1 - jitter, 1]`, so retries of many tasks do not fire in lockstep.
   * @default 0.2
   */
  jitter?: number
  /**
   * Errors that fail the task at once, with no automatic retry, matched against the
   * error's `name` (`'TypeError'`) or its `code` (`'ERR_INVALID_ARG_TYPE'`, a code of
   * your own). A bug fails the same way on every attempt, so the default list fails
   * programming errors at once. `[]` retries every error. Replaces, not extends, the
   * engine's list when given on a task. An error with `retryable: false` or code
   * `NON_RETRYABLE` (see `NonRetryableError`) is never retried whatever this list says.
   * @default ['TypeError', 'ReferenceError', 'SyntaxError']
   */
  nonRetryable?: readonly string[]
}

export type ResolvedRetryPolicy = Required<RetryPolicy>

/** What an execution result says of a task or of one instance of a mapped task. */
export interface TaskOutcome<Output = unknown> {
  status: TaskStatus
  /** The handler's return value; `undefined` unless the task succeeded. */
  output?: Output
  /** Attempts made (0 for a task that never ran). */
  attempts: number
  error?: ErrorInfo
  startedAt?: EpochMs
  endedAt?: EpochMs
  /** Run time of the last attempt in ms, measured in the worker. */
  duration?: number
  /** Set when the output was reused from the execution this one retries (resume). */
  reusedFrom?: string
  /**
   * Set when the output came from the cache (the task option `cache`): the handler was
   * not called. On a mapped task: when every instance's did.
   */
  cached?: true
}

/** The per-task outcome in an execution result. */
export interface TaskResult<Output = unknown> extends TaskOutcome<Output> {
  taskId: string
  name: string
  /**
   * For a mapped task: how many of its instances ended in each state (a state none
   * ended in is absent), and the instances themselves, by index. Its `output` is then
   * the array of the instances' outputs, in element order, when every one succeeded.
   */
  map?: MapResult
}

/** The instances of a mapped task, in an execution result. */
export interface MapResult {
  /** Instances: one per element of the array the task is mapped over. */
  size: number
  counts: Partial<Record<TaskStatus, number>>
  /** Instance i at index i. */
  instances: InstanceResult[]
}

/**
 * One instance of a mapped task, in an execution result: a task outcome named by its
 * index (its output is also at `output[mapIndex]` of the mapped task when all succeeded).
 */
export interface InstanceResult extends TaskOutcome {
  mapIndex: number
}

/**
 * What `execute` resolves with, in every terminal state.
 * @typeParam Outputs each task's output type by id: from a typed workflow, so that
 *   `result.tasks.resize.output` is typed and an unknown id does not compile
 */
export interface ExecutionResult<Outputs extends Record<string, unknown> = Record<string, unknown>> {
  executionId: string
  workflowId: string
  status: ExecutionStatus
  startedAt: EpochMs
  endedAt: EpochMs
  /** Wall-clock duration in ms. */
  duration: number
  /**
   * The first error that ended the execution, if it did not succeed: the task that
   * failed, and when it was an instance of a mapped task, that instance's index.
   */
  error?: ErrorInfo & { taskId?: string, mapIndex?: number }
  tasks: { [K in keyof Outputs]: TaskResult<Outputs[K]> }
  /** The execution this one retries, for manual retries. */
  retryOf?: string
}

/** Live progress of an execution. */
export interface ExecutionStatusInfo {
  executionId: string
  workflowId: string
  status: ExecutionStatus
  /** Finished tasks (any terminal state) as a percentage of all tasks, 0 to 100. */
  progress: number
  totalTasks: number
  completedTasks: number
  failedTasks: number
  runningTasks: number
  skippedTasks: number
  startedAt: EpochMs
  updatedAt: EpochMs
  /** Linear estimate from the pace so far; undefined before the first task ends or after the end. */
  estimatedEndAt?: EpochMs
}

/** The record of an execution, as storage keeps it: the input as its serialised bytes. */
export interface StoredExecution {
  executionId: string
  workflowId: string
  workflowVersion: string
  /** Hash of the workflow definition the execution ran. */
  definitionHash: string
  status: ExecutionStatus
  /** The engine instance that ran it. */
  instanceId: string
  /** The execution input, v8-serialised (lossless). */
  input: Uint8Array
  startedAt: EpochMs
  updatedAt: EpochMs
  endedAt?: EpochMs
  totalTasks: number
  completedTasks: number
  failedTasks: number
  error?: ErrorInfo & { taskId?: string }
  retryOf?: string
  /**
   * Delivery number of an execution taken from the execution queue (absent outside it):
   * storage keeps the highest it was given and refuses records carrying a lower one.
   */
  fence?: number
}

/** The record of an execution as `listExecutions()` gives it: the input is the value given. */
export interface ExecutionRecord extends Omit<StoredExecution, 'input'> {
  input: unknown
}

/** The record of one task in one execution. */
export interface TaskRecord {
  executionId: string
  taskId: string
  name: string
  status: TaskStatus
  attempts: number
  startedAt?: EpochMs
  endedAt?: EpochMs
  duration?: number
  error?: ErrorInfo
  /** The output, v8-serialised and self-contained (lossless: typed arrays, Maps, Dates, BigInts). */
  output?: Uint8Array
  reusedFrom?: string
  /** Set when the output came from the cache: the handler was not called (attempts 0). */
  cached?: true
  /**
   * Set on an instance of a mapped task: its index (0-based). The mapped task has its own
   * record, without it and without an output (its output is made from its instances').
   */
  mapIndex?: number
  /** Set on the record of a mapped task once it expanded: how many instances it has. */
  mapSize?: number
  /** The delivery number of the execution's record that wrote it (see StoredExecution.fence). */
  fence?: number
}

/** One log line of an execution: the engine's own, or a handler's `ctx.logger`. */
export interface LogEntry {
  executionId: string
  taskId?: string
  /** The instance of a mapped task that logged it. */
  mapIndex?: number
  attempt?: number
  time: EpochMs
  level: LogLevel
  message: string
  /** Structured fields (JSON-safe). */
  data?: Record<string, unknown>
}

export type SpanStatusCode = 'UNSET' | 'OK' | 'ERROR'

/**
 * A span, in OpenTelemetry's model: one per execution (the root) and one per task attempt.
 */
export interface SpanRecord {
  /** 32 hex digits, one per execution. */
  traceId: string
  /** 16 hex digits. */
  spanId: string
  parentSpanId?: string
  executionId: string
  taskId?: string
  name: string
  startTime: EpochMs
  endTime: EpochMs
  statusCode: SpanStatusCode
  statusMessage?: string
  attributes: Record<string, string | number | boolean>
  events?: Array<{ name: string, time: EpochMs, attributes?: Record<string, string | number | boolean> }>
}

/** A span with its children, as returned by `getExecutionTrace`. */
export interface SpanNode extends SpanRecord {
  children: SpanNode[]
}

export interface LogQuery {
  taskId?: string
  /** Minimum level. */
  level?: LogLevel
  /** @default 1000 */
  limit?: number
  /** @default 0 */
  offset?: number
}

export interface ExecutionQuery {
  workflowId?: string
  status?: ExecutionStatus | ExecutionStatus[]
  /** Executions started at or after this time (a Date or epoch ms). */
  from?: EpochMs | Date
  /** Executions started before this time (a Date or epoch ms). */
  to?: EpochMs | Date
  /** @default 100 */
  limit?: number
  /** Offset pagination. */
  offset?: number
  /** Keyset pagination: the id of the last execution of the previous page (the order is start time, then id). */
  after?: string
  /** Executions that are manual retries of this execution. */
  retryOf?: string
}

/**
 * The longest values storage keeps whole, in characters (UTF-16 units), checked where
 * they are set: the workflow version and the instance id are VARCHAR(255) in MySQL;
 * a task name is bounded like every free text (src/storage/mysql/text.ts).
 */
export const kValueLimits = Object.freeze({ version: 255, instanceId: 255, taskName: 65_536 })

export const LOG_LEVEL_VALUES: Readonly<Record<LogLevel, number>> = Object.freeze({
  trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60
})

/** Where a failed execution stands in manual retry. */
export type RetryRecordStatus = 'pending' | 'retrying' | 'recovered' | 'abandoned'

/**
 * One failure case: an execution that failed after its automatic retries, or was
 * left running by an instance that died. Manual retries of it (and of its retries)
 * are attached to this record, so a failure counts once however often it is retried.
 */
export interface RetryRecord {
  /** The execution that failed first. */
  executionId: string
  workflowId: string
  definitionHash: string
  status: RetryRecordStatus
  /**
   * `failed` after its automatic retries, `cancelled` (by the caller, a timeout of
   * the caller's signal, or `close({ cancel: true })`), or `interrupted` (its
   * instance stopped heartbeating while it ran).
   */
  reason: 'failed' | 'interrupted' | 'cancelled'
  /** The task that failed; an instance of a mapped task as `parse[3]`. */
  failedTaskId?: string
  errorCode: string
  errorMessage: string
  failedAt: EpochMs
  updatedAt: EpochMs
  /** The latest execution of this failure (the original or its latest retry): what a resume starts from. */
  lastExecutionId: string
  /**
   * Manual retries claimed so far. Also the fencing token of a claim: a write about
   * a retry applies only while the stored case still has the count its claim made.
   */
  manualAttempts: number
  claimedBy?: string
  claimedAt?: EpochMs
  /** The retry that succeeded. */
  recoveredBy?: string
  abandonedReason?: string
  /**
   * The delivery number of the queued execution whose run wrote it (see StoredExecution.fence):
   * not kept, checked by the write.
   */
  fence?: number
}

/** A failed execution as listed by `getFailedExecutions`, with its manual retry history. */
export interface FailedExecution extends RetryRecord {
  retries: Array<{ executionId: string, status: ExecutionStatus, startedAt: EpochMs, endedAt?: EpochMs, instanceId: string }>
}

export interface RetryQuery {
  workflowId?: string
  /** @default ['pending', 'retrying'] */
  status?: RetryRecordStatus | RetryRecordStatus[]
  /** @default 100 */
  limit?: number
  offset?: number
}

/** Counts over every failure case in storage. */
export interface RetryStatistics {
  totalFailed: number
  pending: number
  retrying: number
  recovered: number
  abandoned: number
  /** Of totalFailed, those that were interrupted executions (their instance died). */
  interrupted: number
  /** Manual retries started. */
  manualAttempts: number
  /** Failure cases with at least one manual retry. */
  retried: number
  /** recovered / retried, from 0 to 1; 0 when nothing was retried. */
  successRate: number
}

/** An engine instance and its last heartbeat. */
/**
 * What a workflow definition says about its DAG, kept once per definition hash so that
 * any execution's graph can be drawn and explained without the workflow's code.
 */
export interface WorkflowShape {
  definitionHash: string
  workflowId: string
  version: string
  tasks: Array<{
    id: string
    name: string
    /** Tasks whose outputs it takes (data dependencies). */
    dependsOn: readonly string[]
    /** Tasks it only waits for (ordering dependencies); absent when none. */
    after?: readonly string[]
    /** The handler reference: a `file:` URL, with `#exportName` for a named export. */
    handler: string
    /** A mapped task: the task whose output it runs once per item of; absent otherwise. */
    map?: string
  }>
  /** Tasks by stage (the longest chain of dependencies before each). */
  stages: string[][]
  criticalPath: string[]
}

export interface InstanceRecord {
  instanceId: string
  hostname: string
  pid: number
  startedAt: EpochMs
  heartbeatAt: EpochMs
}
