export { Engine } from './engine.js'
export { createWorkflow, WorkflowBuilder, isWorkflow } from './workflow/builder.js'
export { defineHandler } from './handler.js'
export {
  EngineError, WorkflowValidationError, HandlerError, InvalidOptionsError, NotFoundError, EngineClosedError,
  QueueFullError, StorageError, StorageBacklogError, RetryError, NonRetryableError, ErrorCodes
} from './errors.js'
export { MemoryStorage } from './storage/memory.js'
export { MySQLStorage } from './storage/mysql.js'

export type { EngineOptions } from './options.js'
export type { ExecuteOptions, CloseOptions, EngineStats } from './execute-options.js'
export type { TaskOptions, TaskDefinition, Workflow } from './workflow/builder.js'
export type { TaskContext, TaskHandler, TaskLogger } from './handler.js'
export type { ErrorCode, ErrorInfo } from './errors.js'
export type { EngineEvents, EngineEventType, EngineListener } from './event-bus.js'
export type { ExecutionPlan } from './workflow/planner.js'
export type { TracerOptions, TracerStats } from './telemetry/tracer-options.js'
export type { SchedulerStats } from './runtime/scheduler.js'
export type { ExecutionStorage } from './storage/storage.js'
export type { MemoryStorageOptions } from './storage/memory.js'
export type { MySQLStorageOptions, MigrationResult, IntegrityReport } from './storage/mysql.js'
export type {
  EpochMs, ExecutionStatus, TaskStatus, LogLevel, RetryPolicy, TaskResult, ExecutionResult, ExecutionStatusInfo,
  ExecutionRecord, TaskRecord, LogEntry, SpanRecord, SpanNode, SpanStatusCode, LogQuery, ExecutionQuery
} from './types.js'

// Running on many machines: the execution queue (issue 13)
export { ExecutionQueue } from './queue/execution-queue.js'
export { QueueError } from './errors.js'
export type { BulkItem, QueuedExecutionStatus, ScheduleInfo } from './queue/types.js'
export type { ExecutionQueueOptions, SubmitOptions, ScheduleOptions, ServeOptions, RedisConnection } from './queue/queue-options.js'
