/**
 * One task in the worker: its handler (loaded once per worker), its context and input,
 * the call, and its output written where its readers find it: straight into the slot's
 * table for a small value, through V8's serialiser otherwise.
 *
 * Synchronous for a loaded handler that returns a plain value, so that a batch of small
 * tasks runs without a promise or a microtask per task; a promise only while the handler
 * loads (once per handler and worker) or when it returns one.
 */
import { decode, encode, encodeShared, toShared, TRANSFER_THRESHOLD, type Packet } from '../wire/values.js'
import { mapInputOf, type MapInput } from '../wire/elements.js'
import type { ErrorInfo } from '../errors.js'
import { errorInfo, messageOf } from '../wire/error-info.js'
import { handlerOf } from './handler-loader.js'
import { freeData, type SharedViews } from '../wire/shared-state.js'
import { writeSmallInto } from '../wire/small-values.js'
import { Outcome, type BatchMessage, type WorkerPlan } from '../wire/batch-format.js'
import { TaskContextImpl } from './task-context.js'
import type { DepsPlan } from './lazy-deps.js'
import { now } from '../clock.js'

/** A plan as the worker keeps it. */
export interface RunPlan extends WorkerPlan, DepsPlan {
  /** 1 for a task that other tasks are mapped over (and that is not mapped itself): its elements are serialised here. */
  mappedOver: Uint8Array
}

/**
 * The execution input of one batch, decoded once when the batch starts. A primitive, which
 * no task can change, goes to every task; an object goes to the first task that takes it,
 * and each later task decodes its own copy, since a handler may change the one it gets.
 */
export class BatchInput {
  readonly #bytes: Uint8Array
  #value: unknown
  readonly #shared: boolean
  #fresh = true

  constructor (bytes: Uint8Array) {
    this.#bytes = bytes
    const value = decode({ bytes, oob: null })
    this.#value = value
    this.#shared = value === null || typeof value !== 'object'
  }

  take (): unknown {
    if (this.#shared) return this.#value
    if (this.#fresh) {
      this.#fresh = false
      const value = this.#value
      this.#value = undefined
      return value
    }
    return decode({ bytes: this.#bytes, oob: null })
  }
}

export interface TaskResult {
  status: Outcome
  /** null for `undefined`. */
  output: Packet | null
  /** What the handler returned (a later task of the batch takes a primitive as it is). */
  value: unknown
  /** The output's length when it was written into the slot's data region (see freeData), else -1. */
  written: number
  /** The elements of the output, for a task that others are mapped over; else null. */
  map: MapInput | null
  error: ErrorInfo | null
  start: number
  end: number
  logs: unknown[] | null
}

type Handler = (input: unknown, ctx: TaskContextImpl) => unknown

export class TaskRunner {
  readonly #views: SharedViews
  readonly #typescript: boolean

  constructor (views: SharedViews, typescript: boolean) {
    this.#views = views
    this.#typescript = typescript
  }

  /** Runs task `index` of `plan`: its result, or a promise of it (see the top of this file). */
  run (message: BatchMessage, plan: RunPlan, index: number, attempt: number, mapIndex: number, spanIndex: number,
    input: BatchInput, deps: unknown[] | null, share: boolean, mappedOver: boolean): TaskResult | Promise<TaskResult> {
    const found = handlerOf(plan.handlers[plan.handlerOf[index]], this.#typescript)
    if (typeof found === 'function') return this.#call(found as Handler, message, plan, index, attempt, mapIndex, spanIndex, input, deps, share, mappedOver)
    const loading = now()
    return found.then(
      fn => this.#call(fn as Handler, message, plan, index, attempt, mapIndex, spanIndex, input, deps, share, mappedOver),
      (err: unknown) => failed(err, null, loading))
  }

  #call (fn: Handler, message: BatchMessage, plan: RunPlan, index: number, attempt: number, mapIndex: number, spanIndex: number,
    input: BatchInput, deps: unknown[] | null, share: boolean, mappedOver: boolean): TaskResult | Promise<TaskResult> {
    let ctx: TaskContextImpl | null = null
    let start = now()
    try {
      const params = plan.params[index]
      ctx = new TaskContextImpl(message, plan.ids[index], spanIndex, attempt, mapIndex,
        params === null ? undefined : decode({ bytes: params, oob: null }), plan, index, deps, this.#views, message.slot)
      const value = input.take()
      // The attempt's clock starts here: loading a module does not count against its timeout.
      start = now()
      this.#views.started[message.slot] = start
      const output = fn(value, ctx)
      if (output !== null && typeof output === 'object' && typeof (output as { then?: unknown }).then === 'function') {
        const running = ctx
        const began = start
        return Promise.resolve(output).then(
          (resolved: unknown) => this.#finish(message, plan, index, running, began, resolved, share, mappedOver),
          (err: unknown) => failed(err, running, began))
      }
      return this.#finish(message, plan, index, ctx, start, output, share, mappedOver)
    } catch (err) {
      return failed(err, ctx, start)
    }
  }

  // The handler returned `output`: the attempt ends, and the output is written where its readers find it.
  #finish (message: BatchMessage, plan: RunPlan, index: number, ctx: TaskContextImpl, start: number, output: unknown,
    share: boolean, mappedOver: boolean): TaskResult {
    const end = now()
    ctx.release()
    let map: MapInput | null
    try {
      map = mappedOver ? mapInputOf(output) : null
    } catch (err) {
      return failure(errorInfo(err), ctx, start, end)
    }
    if (output === undefined) return success(null, undefined, -1, map, ctx, start, end)
    let packet: Packet
    try {
      // A value a cache key is made of is serialised whole, since its digest is taken from
      // those bytes (output-digest.ts).
      if (map === null && (plan.keyed === null || plan.keyed[index] === 0)) {
        const views = this.#views
        const slot = message.slot
        const written = writeSmallInto(output, views.data, freeData(views, slot), (slot + 1) * views.dataSize)
        if (written !== -1) return success(null, output, written, map, ctx, start, end)
      }
      packet = encode(output)
      if (share && packet.oob !== null) packet = encodeShared(output)
      else if (share && packet.bytes.byteLength >= TRANSFER_THRESHOLD) packet = { bytes: toShared(packet.bytes), oob: null }
    } catch (err) {
      return failure({ code: 'OUTPUT_NOT_CLONEABLE', message: `output of task "${plan.ids[index]}" cannot be sent between threads: ${messageOf(err)}`, retryable: false },
        ctx, start, end)
    }
    return success(packet, output, -1, map, ctx, start, end)
  }
}

// The results of an attempt: one shape for all, so that the batch loop reads them alike.
function success (output: Packet | null, value: unknown, written: number, map: MapInput | null, ctx: TaskContextImpl, start: number, end: number): TaskResult {
  return { status: Outcome.Success, output, value, written, map, error: null, start, end, logs: ctx.postableLogs() }
}

function failure (error: ErrorInfo, ctx: TaskContextImpl | null, start: number, end: number): TaskResult {
  return { status: Outcome.Failed, output: null, value: undefined, written: -1, map: null, error, start, end, logs: ctx?.postableLogs() ?? null }
}

// The handler (or loading it) threw: the attempt ends now.
function failed (err: unknown, ctx: TaskContextImpl | null, start: number): TaskResult {
  ctx?.release()
  return failure(errorInfo(err), ctx, start, now())
}
