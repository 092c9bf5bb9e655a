import { InvalidOptionsError } from './errors.js'
import { describeValue } from './option-keys.js'
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
 * - `deps`: the outputs of the task's direct dependencies, by task id. In an instance
 *   of a mapped task, the task it is mapped over gives its element instead; a mapped
 *   dependency (taken whole) gives the array of its instances' outputs, in order.
 */
export interface TaskContext<Params = unknown, Deps extends Record<string, unknown> = Record<string, unknown>> {
  readonly executionId: string
  readonly workflowId: string
  readonly taskId: string
  /** 1 on the first attempt. */
  readonly attempt: number
  /** In an instance of a mapped task, its index (0-based): its element's. Undefined otherwise. */
  readonly mapIndex: number | undefined
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
 * The types of a handler by name, each optional: `{ deps: { load: Image } }` alone types
 * `ctx.deps` and leaves the rest to inference (the output) or to `unknown`.
 */
export interface HandlerTypes {
  /** The execution input. @default unknown */
  input?: unknown
  /** What the handler returns (or resolves with). @default inferred from the function */
  output?: unknown
  /** The task's static `input`, as `ctx.params`. @default unknown */
  params?: unknown
  /** Outputs of the task's dependencies, as `ctx.deps`, by task id. @default Record<string, unknown> */
  deps?: Record<string, unknown>
}

type Part<T, K extends keyof HandlerTypes, Else> = T extends { [P in K]-?: infer V } ? V : Else

/** The `ctx` of a handler of types `T`: `HandlerContext<{ deps: { load: Image } }>`. */
export type HandlerContext<T extends HandlerTypes = {}> = TaskContext<Part<T, 'params', unknown>, DepsPart<T>>

type DepsPart<T> = T extends { deps: infer D extends Record<string, unknown> } ? D : Record<string, unknown>

/** A handler of types `T`; its return type is checked against `T['output']` when given. */
export type HandlerOf<T extends HandlerTypes = {}> =
  (input: Part<T, 'input', unknown>, ctx: HandlerContext<T>) => Part<T, 'output', unknown> | Promise<Part<T, 'output', unknown>>

/**
 * Gives a handler its types; returns the function unchanged (types only, no cost).
 *
 * Three forms:
 * ```ts
 * // 1. Inferred: annotate what you want typed; the output comes from the return type.
 * export const resize = defineHandler((input: Job, ctx: HandlerContext<{ deps: { load: Image } }>) => shrink(ctx.deps.load))
 * // 2. Named types, any of them alone: note the empty call, then the handler.
 * export const resize = defineHandler<{ deps: { load: Image } }>()((input, ctx) => shrink(ctx.deps.load))
 * // 3. Positional (the older form): In, Out, Params, Deps.
 * export default defineHandler<{ text: string }, number>((input) => input.text.length)
 * ```
 * @throws {InvalidOptionsError} when given something other than a function
 */
export function defineHandler<T extends HandlerTypes> (): <F extends HandlerOf<T>>(handler: F) => F
export function defineHandler<In = unknown, Out = unknown, Params = unknown, Deps extends Record<string, unknown> = Record<string, unknown>> (
  handler: TaskHandler<In, Out, Params, Deps>
): TaskHandler<In, Out, Params, Deps>
export function defineHandler (...args: unknown[]): unknown {
  if (args.length === 0) return checkHandler
  return checkHandler(args[0])
}

function checkHandler<F> (handler: F): F {
  if (typeof handler !== 'function') throw new InvalidOptionsError(`defineHandler expects a function; got ${describeValue(handler)}`)
  return handler
}

export type { LogLevel }
