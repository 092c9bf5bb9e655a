import type {
  ExecutionQuery, ExecutionRecord, LogEntry, LogQuery, SpanRecord, TaskRecord
} from '../types.js'

/**
 * Where execution history lives. Workflow definitions never go here: they live
 * in memory, registered at start-up.
 *
 * The engine never awaits a write on its hot path. Writes arrive in batches from
 * the engine's record writer and tracer (see `src/recorder.ts`), which retry a
 * failed batch with backoff; a method that rejects must leave the batch either
 * fully written or not at all, so that the retry cannot duplicate rows
 * (execution and task writes are upserts; logs and spans carry unique ids).
 */
export interface ExecutionStorage {
  /** A short name for logs and stats, e.g. `memory` or `mysql`. */
  readonly kind: string

  /** Connects and prepares the schema where the backend needs it. Idempotent. */
  init (): Promise<void>

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
