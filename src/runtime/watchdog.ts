/**
 * Per-attempt timeouts with one timer for all of them. A deadline counts from
 * when the worker started the task (it writes the time into shared memory), not
 * from when the batch was sent: a batch waiting in the pool's queue does not use
 * up its time. Tasks with a timeout travel alone, so a batch has one deadline.
 */
import type { Batch } from './batch.js'
import type { SharedViews } from '../wire/shared-state.js'
import { now } from '../clock.js'

export class Watchdog {
  readonly #views: SharedViews
  readonly #listener: { batchTimedOut (batch: Batch): void }
  readonly #batches = new Set<Batch>()
  #timer: NodeJS.Timeout | null = null
  #at = Infinity

  /** `batchTimedOut` is called for each batch whose task ran past its timeout, until it is stopped. */
  constructor (views: SharedViews, listener: { batchTimedOut (batch: Batch): void }) {
    this.#views = views
    this.#listener = listener
  }

  /** Watches a batch sent now; its deadline is at least `timeout` ms away. */
  add (batch: Batch): void {
    this.#batches.add(batch)
    this.#arm(now() + batch.timeout)
  }

  delete (batch: Batch): void {
    this.#batches.delete(batch)
  }

  close (): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  #arm (at: number): void {
    if (at >= this.#at) return
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#at = at
    // setTimeout passes the watchdog as an argument: no closure per arming.
    this.#timer = setTimeout(check, Math.max(0, at - now()), this)
  }

  /** @internal Called by the timer. */
  check (): void {
    this.#timer = null
    this.#at = Infinity
    const t = now()
    let next = Infinity
    for (const batch of this.#batches) {
      if (batch.stopped !== null) continue
      const started = this.#views.started[batch.slot]
      // Not started yet (waiting in the pool's queue): its deadline is still a whole timeout away.
      const deadline = (started === 0 ? t : started) + batch.timeout
      if (deadline <= t) this.#listener.batchTimedOut(batch)
      else if (deadline < next) next = deadline
    }
    if (next !== Infinity) this.#arm(next)
  }
}

function check (watchdog: Watchdog): void {
  watchdog.check()
}
