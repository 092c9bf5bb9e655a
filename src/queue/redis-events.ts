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
    let decoded: { type: string } | Array<{ type: string }>
    try {
      decoded = v8.deserialize(message) as { type: string } | Array<{ type: string }>
    } catch (err) {
      this.#onError(err)
      return
    }
    // An instance sends the events of one turn of its event loop as one message, in order.
    if (Array.isArray(decoded)) for (const event of decoded) this.#emit(event)
    else this.#emit(decoded)
  }

  #emit (event: { type: string }): void {
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

// Jobs followed from their submit (see JobEnds.track): beyond this many, the oldest are
// dropped and a wait for one of them asks Redis, as for any other job.
const kTracked = 10_000

/**
 * Waiters for the end of jobs of one workflow queue, by job id: one listener, whatever their number.
 *
 * A job this client added after the listener was reading (`track`) needs no look in Redis
 * when its result is asked for: its end cannot come before the stream position the
 * listener reads from, so it is heard here, and kept until asked for (at most kTracked).
 */
export class JobEnds {
  readonly events: QueueEvents
  readonly #waiters = new Map<string, Array<(end: JobEnd) => void>>()
  // Tracked job id -> its end once heard (undefined until then), in the order they were tracked.
  readonly #tracked = new Map<string, JobEnd | undefined>()

  constructor (events: QueueEvents) {
    this.events = events
    events.on('completed', ({ jobId, returnvalue }) => this.#settle(jobId, { ok: true, value: returnvalue as unknown as string }))
    events.on('failed', ({ jobId, failedReason }) => this.#settle(jobId, { ok: false, reason: failedReason }))
    // A removed job never ends: its waiters are told, not left waiting for ever.
    events.on('removed', ({ jobId }) => this.#settle(jobId, { ok: false, removed: true, reason: 'removed' }))
  }

  /**
   * Follows jobs about to be added, each new (an id never submitted before): their ends
   * are kept until waited for. Called before the add, so that no end comes first.
   */
  track (jobIds: readonly string[]): void {
    for (const id of jobIds) this.#tracked.set(id, undefined)
    while (this.#tracked.size > kTracked) this.#tracked.delete(this.#tracked.keys().next().value!)
  }

  /** Stops following jobs whose add failed. */
  untrack (jobIds: readonly string[]): void {
    for (const id of jobIds) this.#tracked.delete(id)
  }

  /** Whether the end of this job will be heard here (or was): no look in Redis is needed. */
  tracks (jobId: string): boolean {
    return this.#tracked.has(jobId)
  }

  /** Registers a waiter; returns the function that removes it. A tracked job's end heard already settles it at once. */
  wait (jobId: string, settle: (end: JobEnd) => void): () => void {
    const heard = this.#tracked.get(jobId)
    if (heard !== undefined) {
      this.#tracked.delete(jobId)
      settle(heard)
      return () => {}
    }
    this.#waiters.set(jobId, [...(this.#waiters.get(jobId) ?? []), settle])
    return () => {
      const rest = (this.#waiters.get(jobId) ?? []).filter(w => w !== settle)
      if (rest.length === 0) this.#waiters.delete(jobId)
      else this.#waiters.set(jobId, rest)
    }
  }

  #settle (jobId: string, end: JobEnd): void {
    const waiters = this.#waiters.get(jobId)
    if (waiters === undefined) {
      // Kept for a wait to come; a tracked job is forgotten once its end is given out.
      if (this.#tracked.has(jobId)) this.#tracked.set(jobId, end)
      return
    }
    this.#waiters.delete(jobId)
    this.#tracked.delete(jobId)
    for (const settle of waiters) settle(end)
  }
}
