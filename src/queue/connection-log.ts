/**
 * Redis connection trouble through a logger, once per change of state: `warn` when
 * the first error arrives while up, `info` when a connection is ready again. Every
 * emitter the queue makes (ioredis clients, BullMQ queues, workers, queue events) gets
 * an `error` listener here, so nothing reaches Node's "Unhandled error event".
 */
import type { EventEmitter } from 'node:events'
import type { Logger } from 'pino'

const kConnectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED'])

/** An error of the connection rather than of a command. */
export function isConnectionError (err: Error): boolean {
  return kConnectionCodes.has((err as { code?: string }).code ?? '') || /Connection is closed|connect ETIMEDOUT|Stream isn't writeable/.test(err.message)
}

export class ConnectionLog {
  readonly #logger: Logger
  readonly #target: string
  #down = false

  constructor (logger: Logger, target: string) {
    this.#logger = logger
    this.#target = target
  }

  /** Listens to an emitter's errors; `ready` events (ioredis clients) mark the connection up. */
  watch<E extends EventEmitter> (emitter: E): E {
    emitter.on('error', (err: Error) => this.#error(err))
    emitter.on('ready', () => this.#ready())
    return emitter
  }

  /** Reports an error of the connection (see isConnectionError). */
  error (err: Error): void {
    this.#error(err)
  }

  #error (err: Error): void {
    if (this.#down) return
    this.#down = true
    this.#logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, `Redis at ${this.#target} is unavailable; reconnecting`)
  }

  #ready (): void {
    if (!this.#down) return
    this.#down = false
    this.#logger.info(`Redis at ${this.#target} is available again`)
  }
}
