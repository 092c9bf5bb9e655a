/**
 * The submitter's side of what comes back from Redis: lifecycle events that serving
 * instances publish (one pub/sub channel), and the ends of jobs (BullMQ's QueueEvents,
 * one per workflow queue, read from a stream, so that an end is not missed between
 * looking at a job and starting to wait for it).
 */
import v8 from 'node:v8'
import type { QueueEvents } from 'bullmq'
import type { Redis } from 'ioredis'
import type { EngineEventType, EngineListener } from '../event-bus.js'

type AnyListener = (event: any) => unknown

/** Listeners of `queue.on`, fed by one subscriber connection opened on the first `on`. */
export class RemoteEvents {
  readonly #listeners = new Map<string, AnyListener[]>()
  readonly #channel: string
  readonly #open: () => Promise<Redis>
  #subscriber: Promise<Redis> | null = null
  readonly #onError: (err: unknown) => void

  constructor (channel: string, open: () => Promise<Redis>, onError: (err: unknown) => void) {
    this.#channel = channel
    this.#open = open
    this.#onError = onError
  }

  /** Resolves once the subscription is active: events published after it arrive. */
  async on<T extends EngineEventType> (type: T, listener: EngineListener<T>): Promise<void> {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function')
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener])
    this.#subscriber ??= this.#subscribe()
    await this.#subscriber
  }

  off<T extends EngineEventType> (type: T, listener: EngineListener<T>): void {
    const list = this.#listeners.get(type)
    if (list !== undefined) this.#listeners.set(type, list.filter(l => l !== listener))
  }

  async #subscribe (): Promise<Redis> {
    const subscriber = await this.#open()
    subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#deliver(message))
    await subscriber.subscribe(this.#channel)
    return subscriber
  }

  #deliver (message: Buffer): void {
    let event: { type: string }
    try {
      event = v8.deserialize(message) as { type: string }
    } catch (err) {
      this.#onError(err)
      return
    }
    for (const listener of this.#listeners.get(event.type) ?? []) {
      try {
        const out = listener(event) as Promise<unknown> | undefined
        if (out !== undefined && typeof out.catch === 'function') out.catch(this.#onError)
      } catch (err) {
        this.#onError(err)
      }
    }
  }

  async close (): Promise<void> {
    if (this.#subscriber === null) return
    const subscriber = await this.#subscriber.catch(() => null)
    this.#subscriber = null
    await subscriber?.quit().catch(() => subscriber.disconnect())
  }
}

/** How a job ended, as QueueEvents reports it. */
export type JobEnd = { ok: true, value: string } | { ok: false, reason: string, removed?: boolean }

/** Waiters for the end of jobs of one workflow queue, by job id: one listener, whatever their number. */
export class JobEnds {
  readonly events: QueueEvents
  readonly #waiters = new Map<string, Array<(end: JobEnd) => void>>()

  constructor (events: QueueEvents) {
    this.events = events
    events.on('completed', ({ jobId, returnvalue }) => this.#settle(jobId, { ok: true, value: returnvalue as unknown as string }))
    events.on('failed', ({ jobId, failedReason }) => this.#settle(jobId, { ok: false, reason: failedReason }))
    // A removed job never ends: its waiters are told, not left waiting for ever.
    events.on('removed', ({ jobId }) => this.#settle(jobId, { ok: false, removed: true, reason: 'removed' }))
  }

  /** Registers a waiter; returns the function that removes it. */
  wait (jobId: string, settle: (end: JobEnd) => void): () => void {
    this.#waiters.set(jobId, [...(this.#waiters.get(jobId) ?? []), settle])
    return () => {
      const rest = (this.#waiters.get(jobId) ?? []).filter(w => w !== settle)
      if (rest.length === 0) this.#waiters.delete(jobId)
      else this.#waiters.set(jobId, rest)
    }
  }

  #settle (jobId: string, end: JobEnd): void {
    const waiters = this.#waiters.get(jobId)
    if (waiters === undefined) return
    this.#waiters.delete(jobId)
    for (const settle of waiters) settle(end)
  }
}
