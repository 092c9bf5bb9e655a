/**
 * Memory shared by the main thread and every worker, one slot per batch in
 * flight. No message is needed for what crosses here:
 *
 *   worker writes                               main thread reads
 *   current[slot], started[slot] ─────────────▶ the watchdog (deadlines), crash blame
 *   per finished task: status, start, end,      outcomes: when the batch answers, and
 *   output bytes in the slot's data region, ──▶ while it still runs (the sweep), and
 *   then done[slot] = tasks finished            after its worker died (the tasks it finished)
 *                              main writes
 *   cancel[slot] ◀───────────────────────────── cancellation and timeouts (ctx.signal)
 *   lease[slot]  ◀───────────────────────────── end of the queue lock held for the batch's
 *                                               execution: no task of it starts past it
 *   inbox: the batch's integers and bytes ◀──── the batch itself, when it fits (a typed
 *                                               array in a postMessage costs microseconds)
 *
 * Every outcome of a batch goes through its slot's table, so the worker's answer
 * to a batch is empty unless a task failed, logged, or produced an output too
 * large for the data region. A worker publishes an outcome only once it is
 * complete (`done` is stored last), so the main thread may read while it writes.
 */
import { kDigestBytes } from './digest.js'

export interface SharedViews {
  readonly slots: number
  /** Tasks per batch, at most: the size of each slot's outcome table. */
  readonly maxBatch: number
  /** Bytes of output per slot. */
  readonly dataSize: number
  /** Position in its batch of the task running in each slot, -1 when none. */
  readonly current: Int32Array
  /** Non-zero when the slot's batch is cancelled or timed out. */
  readonly cancel: Int32Array
  /** Outcomes published in each slot's table (positions 0 .. done - 1). */
  readonly done: Int32Array
  /** Bytes used in each slot's data region. */
  readonly dataUsed: Int32Array
  /** Thread id of the worker running each slot's batch. */
  readonly thread: Int32Array
  /** Epoch ms at which the slot's current task started. */
  readonly started: Float64Array
  /** Epoch ms past which the slot's batch starts no further task; 0 for none. */
  readonly lease: Float64Array
  /** Per slot and position: start and end (epoch ms) of the task. */
  readonly times: Float64Array
  /** Per slot and position: status (Outcome), output offset and output length (see kOutput*). */
  readonly info: Int32Array
  readonly data: Uint8Array
  /** Per slot, the batch's integers (see batch-format.ts), kInboxInts each. */
  readonly inboxInts: Int32Array
  /** Per slot, the batch's bytes, kInboxBytes each. */
  readonly inboxBytes: Uint8Array
  /**
   * Per slot and position: the digest of the task's output (kDigestBytes), written by
   * the worker before it publishes the outcome, for an output a cache key is made of.
   */
  readonly digests: Uint8Array
}

/** Output bytes per slot: room for the outputs of a batch of small tasks. */
const kDataSize = 64 * 1024

/** Integers and bytes of a batch that travel in the slot rather than in the message. */
export const kInboxInts = 8192
export const kInboxBytes = 64 * 1024

/** `info` length of an output that did not fit the data region: it travels in the worker's answer. */
export const kOutputInAnswer = -1
/** `info` length of an output that is `undefined`: no bytes at all. */
const kOutputUndefined = 0

// Per slot: current, cancel, done, dataUsed, thread (Int32), started and lease (Float64).
const kFixedInts = 5

function layout (slots: number, maxBatch: number, dataSize: number): Record<'ints' | 'floats' | 'times' | 'info' | 'inboxInts' | 'data' | 'inboxBytes' | 'digests' | 'total', number> {
  const ints = 0
  const floats = ints + slots * kFixedInts * 4 + (slots % 2) * 4
  const times = floats + slots * 16
  const info = times + slots * maxBatch * 16
  const inboxInts = info + slots * maxBatch * 12
  const data = inboxInts + slots * kInboxInts * 4
  const inboxBytes = data + slots * dataSize
  const digests = inboxBytes + slots * kInboxBytes
  return { ints, floats, times, info, inboxInts, data, inboxBytes, digests, total: digests + slots * maxBatch * kDigestBytes }
}

export function createSharedState (slots: number, maxBatch: number, dataSize = kDataSize): SharedArrayBuffer {
  const shared = new SharedArrayBuffer(layout(slots, maxBatch, dataSize).total)
  new Int32Array(shared, 0, slots).fill(-1)
  return shared
}

export function sharedViews (shared: SharedArrayBuffer, slots: number, maxBatch: number, dataSize = kDataSize): SharedViews {
  const l = layout(slots, maxBatch, dataSize)
  const int = (k: number): Int32Array => new Int32Array(shared, l.ints + k * slots * 4, slots)
  return {
    slots,
    maxBatch,
    dataSize,
    current: int(0),
    cancel: int(1),
    done: int(2),
    dataUsed: int(3),
    thread: int(4),
    started: new Float64Array(shared, l.floats, slots),
    lease: new Float64Array(shared, l.floats + slots * 8, slots),
    times: new Float64Array(shared, l.times, slots * maxBatch * 2),
    info: new Int32Array(shared, l.info, slots * maxBatch * 3),
    data: new Uint8Array(shared, l.data, slots * dataSize),
    inboxInts: new Int32Array(shared, l.inboxInts, slots * kInboxInts),
    inboxBytes: new Uint8Array(shared, l.inboxBytes, slots * kInboxBytes),
    digests: new Uint8Array(shared, l.digests, slots * maxBatch * kDigestBytes)
  }
}

/** Main side: clears a slot for a new batch. */
export function resetSlot (views: SharedViews, slot: number): void {
  Atomics.store(views.cancel, slot, 0)
  Atomics.store(views.current, slot, -1)
  Atomics.store(views.done, slot, 0)
  views.thread[slot] = 0
  views.dataUsed[slot] = 0
  views.started[slot] = 0
  views.lease[slot] = 0
}

/**
 * Worker side: publishes the outcome of position `b` of the slot's batch: output
 * `bytes` go into the data region (the caller checked they fit: fitsData), null
 * means `undefined`, `inAnswer` that they travel in the worker's answer.
 */
export function publishOutcome (views: SharedViews, slot: number, b: number, status: number,
  start: number, end: number, bytes: Uint8Array | null, inAnswer: boolean): void {
  const t = (slot * views.maxBatch + b) * 2
  views.times[t] = start
  views.times[t + 1] = end
  const k = (slot * views.maxBatch + b) * 3
  views.info[k] = status
  if (inAnswer) {
    views.info[k + 2] = kOutputInAnswer
  } else if (bytes === null) {
    views.info[k + 2] = kOutputUndefined
  } else {
    const used = views.dataUsed[slot]
    views.data.set(bytes, slot * views.dataSize + used)
    views.info[k + 1] = used
    views.info[k + 2] = bytes.length
    views.dataUsed[slot] = used + bytes.length
  }
  // Published last: the main thread reads only the positions below `done`.
  Atomics.store(views.done, slot, b + 1)
}

/**
 * Worker side: publishes position `b` as a success whose output, `length` bytes, the
 * worker wrote into the slot's data region from {@link freeData}.
 */
export function publishWritten (views: SharedViews, slot: number, b: number, start: number, end: number, length: number): void {
  const t = (slot * views.maxBatch + b) * 2
  views.times[t] = start
  views.times[t + 1] = end
  const k = (slot * views.maxBatch + b) * 3
  const used = views.dataUsed[slot]
  views.info[k] = 0
  views.info[k + 1] = used
  views.info[k + 2] = length
  views.dataUsed[slot] = used + length
  Atomics.store(views.done, slot, b + 1)
}

/** Where the slot's free data region starts, in `views.data`. */
export function freeData (views: SharedViews, slot: number): number {
  return slot * views.dataSize + views.dataUsed[slot]
}

/** True when an output of `length` bytes still fits the slot's data region. */
export function fitsData (views: SharedViews, slot: number, length: number): boolean {
  return views.dataUsed[slot] + length <= views.dataSize
}
