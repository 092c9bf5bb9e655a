// graph-task/queue: executions spread over instances through BullMQ on Redis.
export { ExecutionQueue } from '../queue/execution-queue.js'
export { QueueError } from '../errors.js'
export type { BulkItem, QueuedExecutionStatus, QueueOverview, ScheduleInfo, WorkflowQueueView } from '../queue/types.js'
export type { ExecutionQueueOptions, SubmitOptions, ScheduleOptions, ServeOptions, RedisConnection } from '../queue/queue-options.js'
export { serveHealth } from '../queue/health-server.js'
export type { HealthServer, HealthOptions } from '../queue/health-server.js'
export type { Readiness } from '../queue/readiness.js'
export type { RateLimit } from '../queue/queue-options.js'
