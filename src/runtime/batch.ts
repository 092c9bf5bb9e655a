// A batch as the pool, its watchdog and the encoder see it: a type of its own, so that
// none of them imports another for it.
import type { Execution } from './execution.js'

/** A batch of tasks of one execution, sent to the pool as one message. */
export interface Batch {
  readonly exec: Execution
  readonly slot: number
  /** Task index by position. */
  readonly tasks: Int32Array
  /** Per-task timeout of the batch's single task; 0 for none. */
  readonly timeout: number
  /** When the batch was sent, epoch ms. */
  sentAt: number
  /** Positions already settled from the slot while the batch ran (the sweep), or null. */
  early: Uint8Array | null
  /** Positions of the slot's table read so far. */
  seen: number
  /** Set once the pool answered (or failed) the batch. */
  settled: boolean
  /** Set when the watchdog or a cancellation stopped the batch. */
  stopped: 'timeout' | 'cancel' | null
}
