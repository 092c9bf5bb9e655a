/**
 * Every error graph-task raises or records carries a stable string `code`.
 *
 * Error classes do not survive a worker-thread boundary (only `message` and
 * `cause` do on Node 20), so decisions (retry or not, which message to show)
 * are taken on `code`, never on `instanceof` alone. The worker serialises a
 * handler's error to `{ code, message, stack }` and the main thread rebuilds it.
 */
export const ErrorCodes = Object.freeze({
  // Definition and publication
  INVALID_OPTIONS: 'INVALID_OPTIONS',
  DUPLICATE_TASK: 'DUPLICATE_TASK',
  UNKNOWN_DEPENDENCY: 'UNKNOWN_DEPENDENCY',
  CYCLE: 'CYCLE',
  EMPTY_WORKFLOW: 'EMPTY_WORKFLOW',
  HANDLER_NOT_FOUND: 'HANDLER_NOT_FOUND',
  HANDLER_NOT_FUNCTION: 'HANDLER_NOT_FUNCTION',
  /** The module exists but its own code failed to load: a syntax error, a top-level throw, a missing import. */
  HANDLER_LOAD_FAILED: 'HANDLER_LOAD_FAILED',
  /** The module did not finish loading within `handlerLoadTimeout` (publishWorkflow). */
  HANDLER_LOAD_TIMEOUT: 'HANDLER_LOAD_TIMEOUT',
  WORKFLOW_NOT_FOUND: 'WORKFLOW_NOT_FOUND',
  WORKFLOW_EXISTS: 'WORKFLOW_EXISTS',
  // Execution misuse
  ENGINE_CLOSED: 'ENGINE_CLOSED',
  INVALID_INPUT: 'INVALID_INPUT',
  QUEUE_FULL: 'QUEUE_FULL',
  EXECUTION_NOT_FOUND: 'EXECUTION_NOT_FOUND',
  // Task outcomes (recorded on task results, never thrown at the caller)
  TASK_FAILED: 'TASK_FAILED',
  NON_RETRYABLE: 'NON_RETRYABLE',
  TASK_TIMEOUT: 'TASK_TIMEOUT',
  EXECUTION_TIMEOUT: 'EXECUTION_TIMEOUT',
  CANCELLED: 'CANCELLED',
  WORKER_CRASHED: 'WORKER_CRASHED',
  RESOURCE_LIMITS: 'RESOURCE_LIMITS',
  OUTPUT_NOT_CLONEABLE: 'OUTPUT_NOT_CLONEABLE',
  DEPENDENCY_FAILED: 'DEPENDENCY_FAILED',
  /** A mapped task's source output is not an array (not retried: it would not become one). */
  MAP_INPUT_NOT_ARRAY: 'MAP_INPUT_NOT_ARRAY',
  /** A mapped task's source output has more elements than the engine's `maxMapSize`. */
  MAP_TOO_LARGE: 'MAP_TOO_LARGE',
  /** A cached task's output is larger than its storage keeps in the cache (not retried: it would not shrink). */
  CACHE_VALUE_TOO_LARGE: 'CACHE_VALUE_TOO_LARGE',
  /** A workflow has cached tasks and the engine's storage keeps no cached results. */
  CACHE_UNSUPPORTED: 'CACHE_UNSUPPORTED',
  // Storage
  STORAGE_ERROR: 'STORAGE_ERROR',
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  SCHEMA_TOO_NEW: 'SCHEMA_TOO_NEW',
  RECORD_TOO_LARGE: 'RECORD_TOO_LARGE',
  STORAGE_BACKLOG: 'STORAGE_BACKLOG',
  /** A write asked of storage opened for reading only (`readOnly`). */
  STORAGE_READ_ONLY: 'STORAGE_READ_ONLY',
  // Manual retry
  RETRY_NOT_ALLOWED: 'RETRY_NOT_ALLOWED',
  RETRY_CONFLICT: 'RETRY_CONFLICT',
  DEFINITION_CHANGED: 'DEFINITION_CHANGED',
  /** An optional peer dependency that a feature needs is not installed. */
  MISSING_DEPENDENCY: 'MISSING_DEPENDENCY',
  /** Recorded on an execution whose instance stopped heartbeating while it ran (shared storage). */
  INTERRUPTED: 'INTERRUPTED',
  // Console: HTTP API requests refused, each code with one status
  /** A query parameter or body the API does not accept (HTTP 400). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** An action without the console's token, or with a wrong one (HTTP 401). */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** An action on a read-only console, or one started without a token (HTTP 403). */
  FORBIDDEN: 'FORBIDDEN',
  /** No such route or file (HTTP 404). */
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  /** An unexpected failure inside graph-task (HTTP 500 from the console). */
  INTERNAL: 'INTERNAL',
  /** A method the route does not take (HTTP 405). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** An action this console cannot carry out for this execution, with the reason (HTTP 409). */
  ACTION_UNAVAILABLE: 'ACTION_UNAVAILABLE',
  // Benchmark suites
  /** `bench` found no workflow or suite in the modules, folders or globs it was given. */
  BENCH_NOTHING_FOUND: 'BENCH_NOTHING_FOUND',
  /** `bench --compare` names a baseline that does not exist or cannot be read. */
  BENCH_BASELINE_INVALID: 'BENCH_BASELINE_INVALID',
  /** An execution measured by `bench` did not succeed. */
  BENCH_EXECUTION_FAILED: 'BENCH_EXECUTION_FAILED',
  // Queue across machines
  /** An optional package the queue needs (bullmq, ioredis) is not installed. */
  QUEUE_UNAVAILABLE: 'QUEUE_UNAVAILABLE',
  /** `engine.serve()` on storage that other instances cannot see (MemoryStorage). */
  STORAGE_NOT_SHARED: 'STORAGE_NOT_SHARED',
  /** The execution was redelivered more often than `maxRedeliveries` (its instances kept dying). */
  EXECUTION_REDELIVERY_LIMIT: 'EXECUTION_REDELIVERY_LIMIT',
  /** An execution id already submitted for another workflow. */
  EXECUTION_ID_CONFLICT: 'EXECUTION_ID_CONFLICT',
  /** BullMQ failed the job itself (a processor error, stalled past BullMQ's own limit). */
  QUEUE_JOB_FAILED: 'QUEUE_JOB_FAILED',
  /**
   * This instance's queue lock on the execution expired (it froze, or lost Redis): it stops
   * the execution, and its later writes are fenced off; another instance resumes it.
   */
  EXECUTION_LOST: 'EXECUTION_LOST',
  /** A submit for a workflow that no live instance serves (pass `waitForServer: true` to queue it anyway). */
  WORKFLOW_NOT_SERVED: 'WORKFLOW_NOT_SERVED'
} as const)

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

/** Base class of every error graph-task throws. */
export class EngineError extends Error {
  /** Stable machine-readable code, one of {@link ErrorCodes} or a handler's own. */
  readonly code: ErrorCode

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'EngineError'
    this.code = code
  }
}

/** The workflow definition is invalid: duplicate ids, unknown dependencies, cycles, bad options. */
export class WorkflowValidationError extends EngineError {
  /** For CYCLE errors: the task ids along the cycle, first id repeated at the end. */
  readonly path?: readonly string[]

  constructor (code: ErrorCode, message: string, path?: readonly string[]) {
    super(code, message)
    this.name = 'WorkflowValidationError'
    if (path !== undefined) this.path = path
  }
}

/** A handler module is missing, fails to load or does not load in time, or its export is not a function. */
export class HandlerError extends EngineError {
  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'HandlerError'
  }
}

/** An option passed to the engine, the builder or a call is invalid. */
export class InvalidOptionsError extends EngineError {
  constructor (message: string) {
    super(ErrorCodes.INVALID_OPTIONS, message)
    this.name = 'InvalidOptionsError'
  }
}

/** No workflow or execution with that id. */
export class NotFoundError extends EngineError {
  constructor (code: ErrorCode, message: string) {
    super(code, message)
    this.name = 'NotFoundError'
  }
}

/** The engine was closed; it accepts no more work. */
export class EngineClosedError extends EngineError {
  constructor () {
    super(ErrorCodes.ENGINE_CLOSED, 'the engine is closed and accepts no more executions')
    this.name = 'EngineClosedError'
  }
}

/** The bounded queue of pending tasks is full. */
export class QueueFullError extends EngineError {
  constructor (limit: number, requested: number) {
    super(ErrorCodes.QUEUE_FULL,
      `the task queue is full: ${requested} more tasks would exceed maxQueuedTasks (${limit})`)
    this.name = 'QueueFullError'
  }
}

/** A storage backend failed; `cause` holds the driver's error. */
export class StorageError extends EngineError {
  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'StorageError'
  }
}

/**
 * Storage has fallen behind: the records waiting to be written exceed the tracer's
 * `maxBufferedBytes`, so new work is refused rather than letting memory grow
 * without bound during an outage. Nothing already accepted is dropped; retry once
 * storage has caught up.
 */
export class StorageBacklogError extends StorageError {
  /** Bytes of records waiting to be written when the work was refused. */
  readonly bufferedBytes: number
  /** The limit (`tracer.maxBufferedBytes`). */
  readonly limit: number

  constructor (bufferedBytes: number, limit: number) {
    super(ErrorCodes.STORAGE_BACKLOG,
      `storage is behind: ${bufferedBytes} bytes of records wait to be written, over tracer.maxBufferedBytes (${limit}); ` +
      'no new work is accepted until it catches up')
    this.name = 'StorageBacklogError'
    this.bufferedBytes = bufferedBytes
    this.limit = limit
  }
}

/** A manual retry was refused; `code` (RETRY_NOT_ALLOWED, RETRY_CONFLICT, DEFINITION_CHANGED) says why. */
export class RetryError extends EngineError {
  constructor (code: typeof ErrorCodes.RETRY_NOT_ALLOWED | typeof ErrorCodes.RETRY_CONFLICT | typeof ErrorCodes.DEFINITION_CHANGED, message: string) {
    super(code, message)
    this.name = 'RetryError'
  }
}

/** The execution queue refused a call or could not run; `code` says why. */
export class QueueError extends EngineError {
  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'QueueError'
  }
}

/**
 * Throw this from a handler to fail the task at once, without automatic retries.
 * Recognised by its `code` (`NON_RETRYABLE`), so a plain object or an error of
 * another class with `code: 'NON_RETRYABLE'` or `retryable: false` works too.
 */
export class NonRetryableError extends EngineError {
  readonly retryable = false

  constructor (message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.NON_RETRYABLE, message, options)
    this.name = 'NonRetryableError'
  }
}

/** A benchmark suite could not be found, loaded or compared; `code` says which. */
export class BenchError extends EngineError {
  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'BenchError'
  }
}

/** The plain-data form of an error, as recorded on task results and spans. */
export interface ErrorInfo {
  code: string
  message: string
  /**
   * The thrown error's class name (`TypeError`), when it was not a plain `Error`:
   * what `retry.nonRetryable` matches besides `code`. Not kept by MySQL storage.
   */
  name?: string
  /** Set when the error is known not to be worth retrying. */
  retryable?: boolean
  stack?: string
}

/**
 * A feature needs an optional peer dependency that is not installed: TypeScript
 * handlers and workflow modules need `tsx`. The message names the package and how to install it.
 */
export class MissingDependencyError extends EngineError {
  /** The npm package to install. */
  readonly packageName: string

  constructor (packageName: string, feature: string, options?: { cause?: unknown }) {
    super(ErrorCodes.MISSING_DEPENDENCY,
      `${feature} needs the package "${packageName}", which is not installed: npm install --save-dev ${packageName}`, options)
    this.name = 'MissingDependencyError'
    this.packageName = packageName
  }
}
