/**
 * Memory shared by the main thread and every worker, one slot per batch in
 * flight. A worker writes which task of its batch runs and since when; the main
 * thread writes the cancel flag. No message is needed for either.
 */
export interface SharedViews {
  /** Index in its batch of the task running in each slot, -1 when none. */
  current: Int32Array
  /** Non-zero when the slot's batch is cancelled or timed out. */
  cancel: Int32Array
  /** Epoch ms at which the slot's current task started. */
  started: Float64Array
}

export function createSharedState (slots: number): SharedArrayBuffer {
  const shared = new SharedArrayBuffer(slots * 16)
  new Int32Array(shared, 0, slots).fill(-1)
  return shared
}

export function sharedViews (shared: SharedArrayBuffer): SharedViews {
  const slots = shared.byteLength / 16
  return {
    current: new Int32Array(shared, 0, slots),
    cancel: new Int32Array(shared, slots * 4, slots),
    started: new Float64Array(shared, slots * 8, slots)
  }
}
