import type {
  ExecutionQuery, ExecutionRecord, InstanceRecord, LogEntry, LogQuery, RetryQuery, RetryRecord, RetryStatistics,
  SpanRecord, TaskRecord
} from '../types.js'

/**
 * The records of one flush of the recorder, committed together: an execution is
 * never terminal in storage without its task results, and a failure case never
 * points at an execution that is not there.
 */
export interface RecordBatch {
  executions: readonly ExecutionRecord[]
  tasks: readonly TaskRecord[]
  /** Failure cases (manual retry); empty unless the storage is a RetryStorage. */
  retries: readonly RetryRecord[]
}

/** The kinds of record the recorder writes. */
export type RecordKind = 'executions' | 'tasks' | 'retries' | 'spans' | 'logs'

/**
 * A record that storage refused for good (a value the server will never accept):
 * it is set aside, the others are written.
 */
export interface RefusedRecord {
  kind: RecordKind
  /** Its index in the batch's list of that kind. */
  index: number
  /** RECORD_TOO_LARGE or STORAGE_ERROR. */
  code: string
  reason: string
}

/**
 * Where execution history lives. Workflow definitions never go here: they live
 * in memory, registered at start-up.
 *
 * The engine never awaits a write on its hot path. Writes arrive in batches from
 * the engine's record writer and tracer (see `src/telemetry/recorder.ts`), which retry a
 * failed batch with backoff; a method that rejects must leave the batch either
 * fully written or not at all, so that the retry cannot duplicate rows
 * (execution and task writes are upserts; logs and spans carry unique ids).
 */
export interface ExecutionStorage {
  /** A short name for logs and stats, e.g. `memory` or `mysql`. */
  readonly kind: string

  /** Connects and prepares the schema where the backend needs it. Idempotent. */
  init (): Promise<void>

  /**
   * Writes the records of one flush in one transaction: all of them, or none (the
   * recorder then retries the whole batch, so every write must be idempotent).
   * A record whose values the server refuses is left out alone and returned; the
   * others are committed. Optional: without it the recorder calls the three
   * methods below one after the other, which is not atomic.
   */
  writeRecords? (batch: RecordBatch): Promise<RefusedRecord[]>
  /**
   * The largest input or output (bytes) this storage can keep, when it has a limit.
   * The engine checks an execution's input against it before running anything.
   */
  readonly maxValueBytes?: number

  /** Inserts or updates executions by id. */
  writeExecutions (records: readonly ExecutionRecord[]): Promise<void>
  /** Inserts or updates task results by (executionId, taskId). */
  writeTaskResults (records: readonly TaskRecord[]): Promise<void>
  /** Appends log entries. */
  writeLogs (entries: readonly LogEntry[]): Promise<void>
  /** Appends spans. */
  writeSpans (spans: readonly SpanRecord[]): Promise<void>

  getExecution (id: string): Promise<ExecutionRecord | undefined>
  /** Newest first by default ordering of ids (which sort by start time). */
  listExecutions (query?: ExecutionQuery): Promise<ExecutionRecord[]>
  getTaskResults (executionId: string): Promise<TaskRecord[]>
  /** Oldest first. */
  getLogs (executionId: string, query?: LogQuery): Promise<LogEntry[]>
  /** Spans of one execution, ordered by start time. */
  getSpans (executionId: string): Promise<SpanRecord[]>

  /** Releases connections. Idempotent. */
  close (): Promise<void>
}

/**
 * What manual retry and crash recovery need from storage, shared by every
 * instance on the same database. Claims and abandonment are conditional
 * updates: exactly one caller wins, whatever the interleaving.
 */
export interface RetryStorage {
  /**
   * Inserts or updates failure cases by execution id (the full state), fenced: an
   * update applies only while the stored case is `pending` or `retrying` with the
   * same `manualAttempts` (the count its claim made), so that a late write of an
   * instance whose claim expired, or a repeat of a write already applied, cannot
   * undo a newer claim or a closed case.
   */
  writeRetryRecords (records: readonly RetryRecord[]): Promise<void>
  getRetryRecord (executionId: string): Promise<RetryRecord | undefined>
  /** Oldest failure first. */
  listRetryRecords (query?: RetryQuery): Promise<RetryRecord[]>
  /**
   * Moves a pending case to `retrying` for this instance and counts the attempt,
   * atomically. Resolves false when it was not pending (another instance won).
   */
  claimRetry (executionId: string, instanceId: string, at: number): Promise<boolean>
  /** Marks a pending case abandoned. Resolves false when it was not pending. */
  abandonRetry (executionId: string, reason: string, at: number): Promise<boolean>
  retryStatistics (): Promise<RetryStatistics>
  /** Registers this instance or renews its heartbeat. */
  heartbeat (instance: InstanceRecord): Promise<void>
  /** Removes an instance that stops cleanly. */
  removeInstance (instanceId: string): Promise<void>
  /**
   * In one transaction: marks `interrupted` every execution still `running` whose
   * instance's heartbeat is older than `expiredBefore` (or that has no instance
   * row), opens a failure case for each that is not itself a retry, and returns
   * `retrying` cases claimed before `expiredBefore` by such an instance to
   * `pending`. Safe to call from several instances at once.
   */
  interruptStale (expiredBefore: number, at: number): Promise<StaleReport>
}

/** What one scan for dead instances changed. */
export interface StaleReport {
  /** Executions marked interrupted. */
  interrupted: string[]
  /** Failure cases whose claim expired, back to pending. */
  released: string[]
}

export function isRetryStorage (storage: object): storage is RetryStorage {
  return typeof (storage as Partial<RetryStorage>).claimRetry === 'function' &&
    typeof (storage as Partial<RetryStorage>).interruptStale === 'function'
}
