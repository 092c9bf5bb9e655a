import type { LogLevel } from './types.js'

/** Structured logger handed to a handler; its entries become the execution's logs. */
export interface TaskLogger {
  trace (message: string, data?: Record<string, unknown>): void
  debug (message: string, data?: Record<string, unknown>): void
  info (message: string, data?: Record<string, unknown>): void
  warn (message: string, data?: Record<string, unknown>): void
  error (message: string, data?: Record<string, unknown>): void
}

/**
 * What a handler receives besides the execution input.
 *
 * - `params`: the task's own static `input`, as given to `addTask(id, { input })`.
 * - `deps`: the outputs of the task's direct dependencies, by task id.
 */
export interface TaskContext<Params = unknown, Deps extends Record<string, unknown> = Record<string, unknown>> {
  readonly executionId: string
  readonly workflowId: string
  readonly taskId: string
  /** 1 on the first attempt. */
  readonly attempt: number
  /** The task's static input (`addTask(id, { input })`), or undefined. */
  readonly params: Params
  /** Outputs of the direct dependencies, keyed by task id. */
  readonly deps: Deps
  /**
   * Aborted when the task is cancelled or times out. A handler doing I/O can pass it
   * on; a handler stuck in a CPU loop is stopped anyway, by terminating its worker.
   */
  readonly signal: AbortSignal
  readonly logger: TaskLogger
  /**
   * This attempt's span as W3C trace context, to continue the trace inside the handler:
   * `propagation.extract(context.active(), ctx.traceContext)` with the worker's own
   * OpenTelemetry SDK. The same trace and span ids as graph-task's stored span and the
   * span it exports; the sampled flag follows the execution's trace.
   */
  readonly traceContext: { readonly traceparent: string }
}

/** The shape of a task handler module's export. */
export type TaskHandler<In = any, Out = unknown, Params = any, Deps extends Record<string, unknown> = Record<string, any>> =
  (input: In, ctx: TaskContext<Params, Deps>) => Out | Promise<Out>

/**
 * Gives a handler its types; returns the function unchanged.
 *
 * ```ts
 * export default defineHandler<{ text: string }, number>((input, ctx) => input.text.length)
 * ```
 */
export function defineHandler<In = unknown, Out = unknown, Params = unknown, Deps extends Record<string, unknown> = Record<string, unknown>> (
  handler: TaskHandler<In, Out, Params, Deps>
): TaskHandler<In, Out, Params, Deps> {
  if (typeof handler !== 'function') throw new TypeError('defineHandler expects a function')
  return handler
}

export type { LogLevel }
