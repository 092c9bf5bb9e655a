// The light entry for handler modules (`graph-task/handler`): workers load it
// without the engine, the pool or the storage drivers.
export { defineHandler } from './handler.js'
export { NonRetryableError, ErrorCodes } from './errors.js'
export type { TaskContext, TaskHandler, TaskLogger, HandlerTypes, HandlerContext, HandlerOf } from './handler.js'
