// graph-task/handler: what a handler module imports. Workers load it without the engine,
// the pool or any storage driver.
export { defineHandler } from '../handler.js'
export { NonRetryableError, ErrorCodes } from '../errors.js'
export type { TaskContext, TaskHandler, TaskLogger, HandlerTypes, HandlerContext, HandlerOf } from '../handler.js'
