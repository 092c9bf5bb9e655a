/**
 * `ctx`, as a handler sees it in the worker: who it is, its inputs, a signal
 * and a logger. The signal and the logger are made only when a handler asks.
 */
import type { TaskLogger } from '../handler.js'
import type { LogLevel } from '../types.js'
import { formatTraceparent, taskSpanId } from '../telemetry/span-ids.js'
import type { BatchMessage } from '../wire/batch-format.js'
import { now } from '../clock.js'
import { messageOf } from '../wire/error-info.js'
import { makeDeps, type DepsPlan } from './lazy-deps.js'

/** The flags a signal watches: set by the main thread on cancellation or timeout. */
interface CancelFlags { cancel: Int32Array }

export class TaskContextImpl {
  readonly executionId: string
  readonly workflowId: string
  readonly taskId: string
  readonly attempt: number
  /** The index of this instance of a mapped task (0-based); undefined for a task that is not mapped. */
  readonly mapIndex: number | undefined
  readonly params: unknown
  readonly #message: BatchMessage
  readonly #plan: DepsPlan
  readonly #task: number
  #depValues: unknown[] | null
  #deps: Record<string, unknown> | null = null
  readonly #index: number
  /** Log entries, flat: time, level, message, data, time, ... */
  logs: unknown[] | null = null
  #logger: TaskLogger | null = null
  readonly #flags: CancelFlags
  readonly #slot: number
  #controller: AbortController | null = null
  #poll: NodeJS.Timeout | null = null

  /**
   * `index`: the task's slot in its execution, which names its span; `task`: its index in
   * `plan`; `depValues`: its dependencies' values or what they decode from (see lazy-deps.ts).
   */
  constructor (message: BatchMessage, taskId: string, index: number, attempt: number, mapIndex: number, params: unknown,
    plan: DepsPlan, task: number, depValues: unknown[] | null, flags: CancelFlags, slot: number) {
    this.executionId = message.executionId
    this.workflowId = message.workflowId
    this.#message = message
    this.#index = index
    this.taskId = taskId
    this.attempt = attempt
    this.mapIndex = mapIndex === -1 ? undefined : mapIndex
    this.params = params
    this.#plan = plan
    this.#task = task
    this.#depValues = depValues
    this.#flags = flags
    this.#slot = slot
  }

  /** The outputs of the task's dependencies, by task id; made on first use, each decoded when read. */
  get deps (): Record<string, unknown> {
    if (this.#deps === null) {
      this.#deps = makeDeps(this.#plan, this.#task, this.#depValues)
      this.#depValues = null
    }
    return this.#deps
  }

  /** Made on first use: most handlers never log. */
  get logger (): TaskLogger {
    return this.#logger ??= new TaskLoggerImpl(this)
  }

  /** The attempt's span as W3C trace context, made when asked: the same id storage and OpenTelemetry get. */
  get traceContext (): { traceparent: string } {
    const m = this.#message
    return { traceparent: formatTraceparent(m.traceId, taskSpanId(m.rootSpanId, this.#index, this.attempt), m.traceFlags) }
  }

  get signal (): AbortSignal {
    if (this.#controller === null) {
      const controller = this.#controller = new AbortController()
      const flags = this.#flags.cancel
      const slot = this.#slot
      // The main thread cannot post to a busy worker, so watch the shared flag.
      this.#poll = setInterval(() => {
        if (Atomics.load(flags, slot) !== 0) {
          controller.abort(new Error('task cancelled'))
          this.release()
        }
      }, 10)
    }
    return this.#controller.signal
  }

  release (): void {
    if (this.#poll !== null) {
      clearInterval(this.#poll)
      this.#poll = null
    }
  }

  /**
   * The log entries to send with the outcome. Data logged with them crosses to the main
   * thread in the same message: one that cannot be cloned (a function, a Proxy) would make
   * the whole answer fail to post, which ends the worker, so it is replaced by a note. Only
   * tasks that logged data pay for the check, once, off `logger.info`'s path.
   */
  postableLogs (): unknown[] | null {
    const logs = this.logs
    if (logs === null) return null
    for (let d = 3; d < logs.length; d += 4) {
      if (logs[d] === null) continue
      try {
        structuredClone(logs[d])
      } catch (err) {
        logs[d] = { unsendable: `the data of this line cannot be sent between threads: ${messageOf(err)}` }
      }
    }
    return logs
  }
}

// Methods on a prototype, not closures per task: `ctx.logger.info` costs one object.
class TaskLoggerImpl implements TaskLogger {
  readonly #ctx: TaskContextImpl

  constructor (ctx: TaskContextImpl) {
    this.#ctx = ctx
  }

  #push (level: LogLevel, message: string, data: Record<string, unknown> | undefined): void {
    (this.#ctx.logs ??= []).push(now(), level, String(message), data ?? null)
  }

  trace (message: string, data?: Record<string, unknown>): void { this.#push('trace', message, data) }
  debug (message: string, data?: Record<string, unknown>): void { this.#push('debug', message, data) }
  info (message: string, data?: Record<string, unknown>): void { this.#push('info', message, data) }
  warn (message: string, data?: Record<string, unknown>): void { this.#push('warn', message, data) }
  error (message: string, data?: Record<string, unknown>): void { this.#push('error', message, data) }
}
