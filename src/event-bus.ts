import type { Logger } from 'pino'
import { InvalidOptionsError, type ErrorInfo } from './errors.js'
import { describeValue } from './option-keys.js'
import type { ExecutionStatus } from './types.js'

export interface ExecutionEventBase { executionId: string, workflowId: string, time: number }
export interface TaskEventBase extends ExecutionEventBase {
  taskId: string
  attempt: number
  /** Set for an instance of a mapped task: its index. */
  mapIndex?: number
}

/** Every lifecycle event, by type. */
export interface EngineEvents {
  'workflow.published': { workflowId: string, version: string, tasks: number, time: number }
  'execution.started': ExecutionEventBase & { retryOf?: string }
  'execution.completed': ExecutionEventBase & { status: ExecutionStatus, duration: number }
  'execution.failed': ExecutionEventBase & { status: ExecutionStatus, duration: number, error: ErrorInfo & { taskId?: string } }
  'execution.cancelled': ExecutionEventBase & { status: ExecutionStatus, duration: number, reason: string }
  'task.started': TaskEventBase
  /** `cached`: the output came from the cache; the handler was not called. */
  'task.completed': TaskEventBase & { duration: number, cached: boolean }
  'task.failed': TaskEventBase & { error: ErrorInfo, duration: number }
  'task.retrying': TaskEventBase & { error: ErrorInfo, delay: number }
  'task.skipped': ExecutionEventBase & { taskId: string, mapIndex?: number, reason: string }
  'retry.started': ExecutionEventBase & { retryOf: string, mode: 'resume' | 'restart' }
  'retry.succeeded': ExecutionEventBase & { retryOf: string }
  'retry.failed': ExecutionEventBase & { retryOf: string, status: ExecutionStatus }
  'retry.abandoned': { executionId: string, workflowId: string, reason: string, time: number }
}

export type EngineEventType = keyof EngineEvents
export type EngineListener<T extends EngineEventType> = (event: EngineEvents[T] & { type: T }) => unknown

/**
 * Delivers lifecycle events in order, after the engine has done its own work
 * for the moment: events queue while the engine dispatches, and listeners run
 * when the queue is drained. A listener that throws (or rejects) is logged and
 * skipped; it never reaches the execution. Callers check `has(type)` before
 * building an event, so that events nobody listens to cost nothing.
 */
export class EventBus {
  readonly #listeners = new Map<EngineEventType, Array<EngineListener<any>>>()
  readonly #logger: Logger
  #queue: Array<{ type: EngineEventType }> = []
  #scheduled = false

  constructor (logger: Logger) {
    this.#logger = logger
  }

  on<T extends EngineEventType> (type: T, listener: EngineListener<T>): void {
    if (typeof listener !== 'function') throw new InvalidOptionsError(`on('${String(type)}'): listener must be a function; got ${describeValue(listener)}`)
    const list = this.#listeners.get(type)
    // Copy on write: emitting iterates a list that listeners may change.
    this.#listeners.set(type, list === undefined ? [listener] : [...list, listener])
  }

  off<T extends EngineEventType> (type: T, listener: EngineListener<T>): void {
    const list = this.#listeners.get(type)
    if (list === undefined) return
    const next = list.filter(l => l !== listener)
    if (next.length === 0) this.#listeners.delete(type)
    else this.#listeners.set(type, next)
  }

  has (type: EngineEventType): boolean {
    return this.#listeners.has(type)
  }

  /** Queues an event; delivered on the next turn of the event loop, in order. */
  emit<T extends EngineEventType> (type: T, event: EngineEvents[T]): void {
    (event as { type?: T }).type = type
    this.#queue.push(event as unknown as { type: T })
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => this.#deliver())
    }
  }

  #deliver (): void {
    const queue = this.#queue
    this.#queue = []
    this.#scheduled = false
    for (let i = 0; i < queue.length; i++) {
      const event = queue[i]
      const list = this.#listeners.get(event.type)
      if (list === undefined) continue
      for (let l = 0; l < list.length; l++) {
        try {
          const out = list[l](event)
          if (out !== null && typeof out === 'object' && typeof (out as Promise<unknown>).then === 'function') {
            (out as Promise<unknown>).then(undefined, err => this.#failed(event.type, err))
          }
        } catch (err) {
          this.#failed(event.type, err)
        }
      }
    }
  }

  #failed (type: EngineEventType, err: unknown): void {
    this.#logger.warn({ err, event: type }, 'an event listener threw; the engine carries on')
  }
}
