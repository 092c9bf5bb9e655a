export { Engine } from './engine.js'
export { createWorkflow, WorkflowBuilder, isWorkflow } from './workflow/builder.js'
export { defineHandler } from './handler.js'
export {
  EngineError, WorkflowValidationError, HandlerError, InvalidOptionsError, NotFoundError, EngineClosedError,
  QueueFullError, StorageError, StorageBacklogError, RetryError, NonRetryableError, ErrorCodes
} from './errors.js'
export { MemoryStorage } from './storage/memory.js'
export { MySQLStorage } from './storage/mysql/mysql-storage.js'

export type { EngineOptions } from './options.js'
export type { ExecuteOptions, CloseOptions, EngineStats } from './execute-options.js'
export type { TaskOptions, TaskDefinition, Workflow } from './workflow/builder.js'
export type { TaskContext, TaskHandler, TaskLogger } from './handler.js'
export type { ErrorCode, ErrorInfo } from './errors.js'
export type { EngineEvents, EngineEventType, EngineListener, ExecutionEventBase, TaskEventBase } from './event-bus.js'
export type { ExecutionPlan } from './workflow/planner.js'
export type { TracerOptions, TracerStats } from './telemetry/tracer-options.js'
export type { SchedulerStats } from './runtime/scheduler.js'
export type { ExecutionStorage } from './storage/storage.js'
export type { MemoryStorageOptions } from './storage/memory.js'
export type { MySQLStorageOptions, MigrationResult, IntegrityReport } from './storage/mysql/mysql-storage.js'
export type {
  EpochMs, ExecutionStatus, TaskStatus, LogLevel, RetryPolicy, TaskResult, MapResult, InstanceResult, ExecutionResult, ExecutionStatusInfo,
  ExecutionRecord, TaskRecord, LogEntry, SpanRecord, SpanNode, SpanStatusCode, LogQuery, ExecutionQuery
} from './types.js'

// Issue 10 (command line): the error for a missing optional peer dependency (tsx)
export { MissingDependencyError } from './errors.js'
// Issue 14: retention, purge, statistics and time partitions of MySQLStorage
export type { PurgeOptions, PurgeResult, RetentionRun, StorageStats, TableStats } from './storage/mysql/mysql-storage.js'
export type { RetentionOptions, Duration } from './storage/retention-options.js'
// Issue 10: typed workflows, and every type of a public signature
export { handlerModule } from './workflow/typed.js'
export type {
  HandlerRef, HandlerRefs, AnyHandler, HandlerOutput, HandlerInput, ParamsField, CheckDeps, WorkflowOutputs, WorkflowInput, TypedTaskOptions
} from './workflow/typed.js'
export type { HandlerTypes, HandlerContext, HandlerOf } from './handler.js'
export type { ExecuteArgs, PublishOptions } from './execute-options.js'
export type { ManualRetryOptions } from './history/retry-manager.js'
export type {
  RetryStorage, RecordBatch, RecordKind, RefusedRecord, RowList, StaleReport, TaskSource, TaskRows, SpanRows
} from './storage/storage.js'
export type {
  ResolvedRetryPolicy, RetryRecord, RetryRecordStatus, FailedExecution, RetryQuery, RetryStatistics, InstanceRecord
} from './types.js'
// OpenTelemetry: traces and metrics through @opentelemetry/api (issue 12)
export { executeUnderTraceparent } from './telemetry/otel/execute-under.js'
export type { OpenTelemetryOptions, TracerProviderLike, MeterProviderLike } from './telemetry/otel/otel-options.js'
// Web console and HTTP API (issue 11)
export { createConsole, serveConsole } from './console/server.js'
export { ConsoleRequestError } from './errors.js'
export type { ConsoleHandler, ConsoleServer } from './console/server.js'
export type { ConsoleOptions, ServeConsoleOptions } from './console/options.js'
// Benchmark suites (issue 15)
export { defineSuite, isSuite } from './bench/suite.js'
export { compareRuns } from './bench/compare.js'
export { BenchError } from './errors.js'
export type { Suite, SuiteDefinition, SuiteEntry, BenchSettings, BenchCase } from './bench/suite.js'
export type { CompareOptions, CaseComparison } from './bench/compare.js'
export type { BenchRun, BenchEnvironment, CaseResult, LatencyStats, ThroughputPoint, TaskTiming } from './bench/results.js'
// Running on many machines: the execution queue (issue 13)
export { ExecutionQueue } from './queue/execution-queue.js'
export { QueueError } from './errors.js'
export type { BulkItem, QueuedExecutionStatus, ScheduleInfo } from './queue/types.js'
export type { ExecutionQueueOptions, SubmitOptions, ScheduleOptions, ServeOptions, RedisConnection } from './queue/queue-options.js'
