// graph-task: the engine, the workflow builder, in-memory storage, errors, and the types a
// user writes. The other concerns have entry points of their own, so that importing this one
// loads none of their drivers: graph-task/handler, /mysql, /queue, /console, /bench, /otel and
// /storage (for implementing a storage).

export { Engine } from './engine.js'
export { createWorkflow, isWorkflow } from './workflow/builder.js'
export { handlerModule } from './workflow/typed.js'
export { MemoryStorage } from './storage/memory.js'
export {
  EngineError, WorkflowValidationError, HandlerError, InvalidOptionsError, NotFoundError, EngineClosedError,
  QueueFullError, StorageError, StorageBacklogError, RetryError, NonRetryableError, MissingDependencyError, ErrorCodes
} from './errors.js'

// Building workflows
export type { TaskOptions, TaskCacheOptions, ResolvedTaskCache, TaskDefinition, Workflow, WorkflowBuilder } from './workflow/builder.js'
export type {
  HandlerRef, HandlerRefs, AnyHandler, HandlerOutput, HandlerInput, ParamsField, CheckDeps, WorkflowOutputs, WorkflowInput, TypedTaskOptions
} from './workflow/typed.js'
export type { ExecutionPlan } from './workflow/planner.js'
export type { EstimatedPath } from './workflow/stage-plan.js'

// The engine, its options and its figures
export type { EngineOptions } from './options.js'
export type { ExecuteOptions, ExecuteArgs, PublishOptions, CloseOptions } from './execute-options.js'
export type { EngineStats, SchedulerStats, CacheStats } from './stats.js'
export type { CacheFilter } from './storage/cache-storage.js'
export type { TracerOptions, TracerStats } from './telemetry/tracer-options.js'
export type { OpenTelemetryOptions, TracerProviderLike, MeterProviderLike } from './telemetry/otel/otel-options.js'
export type { ExecutionStorage } from './storage/storage.js'
export type { MemoryStorageOptions } from './storage/memory.js'
export type { EngineEvents, EngineEventType, EngineListener, ExecutionEventBase, TaskEventBase } from './event-bus.js'
export type { ErrorCode, ErrorInfo } from './errors.js'

// Results and history
export type {
  EpochMs, ExecutionStatus, TaskStatus, LogLevel, RetryPolicy, ResolvedRetryPolicy, TaskOutcome, TaskResult, MapResult, InstanceResult, ExecutionResult, ExecutionStatusInfo,
  ExecutionRecord, TaskRecord, LogEntry, SpanRecord, SpanNode, SpanStatusCode, LogQuery, ExecutionQuery,
  RetryRecord, RetryRecordStatus, FailedExecution, RetryQuery, RetryStatistics, InstanceRecord
} from './types.js'
export type { ManualRetryOptions } from './history/retry-manager.js'

// Handler authors' types (defineHandler itself is in graph-task/handler)
export type { TaskContext, TaskHandler, TaskLogger, HandlerTypes, HandlerContext, HandlerOf } from './handler.js'
