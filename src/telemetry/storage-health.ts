/**
 * Whether storage answers, as the recorder's writers see it: one log line when it stops
 * answering and one when it answers again, rather than a warning (and a stack) per
 * retried write. The engine asks it whether storage has ever answered, to refuse
 * executions for a store it never reached instead of buffering for it.
 */
import type { Logger } from 'pino'
import { ErrorCodes } from '../errors.js'

export class StorageHealth {
  readonly #logger: Logger
  readonly #storage: string
  #down = false
  #answered = false
  #failed = false

  /** `storage`: how log lines name it, e.g. `mysql at 127.0.0.1:3306`. */
  constructor (logger: Logger, storage: string) {
    this.#logger = logger
    this.#storage = storage
  }

  /** Whether storage has answered at least once since the engine started. */
  get answered (): boolean {
    return this.#answered
  }

  /**
   * Whether storage failed and has never answered: a store not reached, whose records
   * have nowhere to go. One that is slow to give its first answer is not.
   */
  get unreached (): boolean {
    return this.#failed && !this.#answered
  }

  /** A write or the connection succeeded. */
  up (): void {
    this.#answered = true
    if (!this.#down) return
    this.#down = false
    this.#logger.warn({ storage: this.#storage }, `${this.#storage} answers again; buffered records are being written`)
  }

  /** A write or the connection failed; `retryIn`: when it is tried again, in ms. */
  down (err: unknown, retryIn?: number): void {
    const e = err as { code?: unknown, message?: unknown } | undefined
    const code = typeof e?.code === 'string' ? e.code : undefined
    this.#failed = true
    // A schema newer than the code will not fix itself: said every time, loudly.
    if (code === ErrorCodes.SCHEMA_TOO_NEW) {
      this.#logger.error({ storage: this.#storage, code }, String(e?.message))
      return
    }
    if (this.#down) return
    this.#down = true
    const cause = typeof e?.message === 'string' ? e.message : String(err)
    this.#logger.warn({ storage: this.#storage, code, retryIn }, `${this.#storage} unavailable: ${cause}; records are kept and writes retried until it answers`)
  }
}
