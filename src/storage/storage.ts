import type {
  ExecutionQuery, StoredExecution, InstanceRecord, LogEntry, LogQuery, RetryQuery, RetryRecord, RetryStatistics,
  SpanRecord, TaskRecord, WorkflowShape
} from '../types.js'

/**
 * Rows a storage reads by position. A plain array is one; the engine hands over
 * task records and spans as lists that make each row only when `at(k)` asks for
 * it, from state it keeps anyway (see TaskRows, SpanRows), so that recording a
 * task costs no object per task on the main thread.
 */
export interface RowList<T> extends Iterable<T> {
  readonly length: number
  at (index: number): T | undefined
}

/** Where the engine's task records come from: an execution's live state, read when asked. */
export interface TaskSource {
  readonly executionId: string
  /** Tasks of the execution. */
  readonly taskCount: number
  /** The record of task i as it stands now. */
  taskRecord (i: number): TaskRecord
  /** Estimated bytes of task i's record (its output and error text), to bound what is buffered. */
  recordSize (i: number): number
}

/**
 * Task records as the engine writes them: row k is task `indexOf(k)` of `sourceOf(k)`.
 * A storage in the same process may keep the source instead of the records (its
 * state only moves forward); one elsewhere calls `at(k)`.
 */
export interface TaskRows extends RowList<TaskRecord> {
  sourceOf (k: number): TaskSource
  indexOf (k: number): number
}

/** Spans as the engine writes them: columns, made into SpanRecords by `at(k)`. */
export interface SpanRows extends RowList<SpanRecord> {
  /** The execution of row k, without making the row. */
  executionIdOf (k: number): string
}

/** True for the engine's TaskRows (any list without them is read with `at`). */
export function isTaskRows (list: RowList<TaskRecord>): list is TaskRows {
  return typeof (list as Partial<TaskRows>).sourceOf === 'function'
}

/** True for the engine's SpanRows. */
export function isSpanRows (list: RowList<SpanRecord>): list is SpanRows {
  return typeof (list as Partial<SpanRows>).executionIdOf === 'function'
}

/** Every row of a list as an array: the list itself when it is one. */
export function rowsOf<T> (list: RowList<T>): readonly T[] {
  if (Array.isArray(list)) return list
  const out = new Array<T>(list.length)
  for (let k = 0; k < out.length; k++) out[k] = list.at(k)!
  return out
}

/**
 * The records of one flush of the recorder, committed together: an execution is
 * never terminal in storage without its task results, and a failure case never
 * points at an execution that is not there.
 */
export interface RecordBatch {
  executions: readonly StoredExecution[]
  tasks: RowList<TaskRecord>
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
   * Raises the fence of an execution to a delivery's number (see StoredExecution.fence):
   * records carrying a lower number change nothing after this resolves. Resolves false
   * when a later delivery holds it already.
   */
  raiseFence? (executionId: string, fence: number): Promise<boolean>
  /**
   * The largest input or output (bytes) this storage can keep, when it has a limit.
   * The engine checks an execution's input against it before running anything.
   */
  readonly maxValueBytes?: number
  /**
   * For a storage that writes on a thread of its own (MySQLStorage): how many times
   * that thread died and was started again, its unanswered writes sent again.
   */
  readonly writerRestarts?: number
  /** Why that thread last died. */
  readonly lastWriterExit?: string
  /**
   * Batches of spans or logs this storage writes well at once, for one whose rows are
   * keyed so that the order of their writes changes nothing it returns (MySQLStorage:
   * its writer's connections less the one left for records). The tracer keeps at
   * least this many batches in flight, whatever its `concurrency`.
   */
  readonly writeConcurrency?: number

  /** Inserts or updates executions by id. */
  writeExecutions (records: readonly StoredExecution[]): Promise<void>
  /** Inserts or updates task results by (executionId, taskId). */
  writeTaskResults (records: RowList<TaskRecord>): Promise<void>
  /** Appends log entries. */
  writeLogs (entries: readonly LogEntry[]): Promise<void>
  /** Appends spans. */
  writeSpans (spans: RowList<SpanRecord>): Promise<void>

  getExecution (id: string): Promise<StoredExecution | undefined>
  /** Newest first by start time, then id; `after` (an id) pages on (startedAt, id). */
  listExecutions (query?: ExecutionQuery): Promise<StoredExecution[]>
  getTaskResults (executionId: string): Promise<TaskRecord[]>
  /** Oldest first. */
  getLogs (executionId: string, query?: LogQuery): Promise<LogEntry[]>
  /** Spans of one execution, ordered by start time. */
  getSpans (executionId: string): Promise<SpanRecord[]>

  /**
   * Keeps the shape of a definition (once per `definitionHash`; a second write of the
   * same hash changes nothing). Optional: without it a console draws only the
   * workflows its own engine has published.
   */
  writeWorkflowShape? (shape: WorkflowShape): Promise<void>
  /** The shape kept for a definition hash, or undefined. */
  getWorkflowShape? (definitionHash: string): Promise<WorkflowShape | undefined>

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
  /**
   * Takes over the open case (`pending`, or `retrying` under another claim) of an execution
   * that runs again under its own id, redelivered by the execution queue: the queue
   * hands a delivery to one instance at a time, so the last taker holds the case.
   * Resolves false when there is no open case.
   */
  adoptRetry? (executionId: string, instanceId: string, at: number): Promise<boolean>
  /** Marks a pending case abandoned. Resolves false when it was not pending. */
  abandonRetry (executionId: string, reason: string, at: number): Promise<boolean>
  retryStatistics (): Promise<RetryStatistics>
  /** Registers this instance or renews its heartbeat. */
  heartbeat (instance: InstanceRecord): Promise<void>
  /** Removes an instance that stops cleanly. */
  removeInstance (instanceId: string): Promise<void>
  /** Registered instances and their heartbeats, latest first; optional (the console lists them). */
  listInstances? (): Promise<InstanceRecord[]>
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
