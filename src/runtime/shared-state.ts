/**
 * Memory shared by the main thread and every worker, one slot per batch in
 * flight. A worker writes which task of its batch runs and since when; the main
 * thread writes the cancel flag. No message is needed for either.
 *
 * Each slot also has a small journal where the worker copies the serialised
 * output of every task it finishes before the last of its batch. The main thread
 * reads it while a long batch runs, so that finished tasks are reported (and their
 * dependents started elsewhere) without waiting for the whole batch; and when a
 * worker dies mid-batch, the outputs it had finished are read back from there
 * instead of running those tasks again.
 */
export interface SharedViews {
  /** Index in its batch of the task running in each slot, -1 when none. */
  current: Int32Array
  /** Non-zero when the slot's batch is cancelled or timed out. */
  cancel: Int32Array
  /** Bytes used in each slot's journal. */
  journalUsed: Int32Array
  /** Thread id of the worker running each slot's batch. */
  thread: Int32Array
  /** Epoch ms at which the slot's current task started. */
  started: Float64Array
  /** Journal bytes of every slot, `journalSize` each. */
  journal: Uint8Array
  journalSize: number
}

/** Journal bytes per slot: room for the outputs of a batch of small tasks. */
export const kJournalSize = 64 * 1024

export function createSharedState (slots: number): SharedArrayBuffer {
  const shared = new SharedArrayBuffer(slots * (kFixed + kJournalSize))
  new Int32Array(shared, 0, slots).fill(-1)
  return shared
}

// Per slot: current, cancel, journalUsed, thread (4 bytes each), started (8 bytes).
const kFixed = 24

export function sharedViews (shared: SharedArrayBuffer): SharedViews {
  const slots = shared.byteLength / (kFixed + kJournalSize)
  return {
    current: new Int32Array(shared, 0, slots),
    cancel: new Int32Array(shared, slots * 4, slots),
    journalUsed: new Int32Array(shared, slots * 8, slots),
    thread: new Int32Array(shared, slots * 12, slots),
    started: new Float64Array(shared, slots * 16, slots),
    journal: new Uint8Array(shared, slots * kFixed, slots * kJournalSize),
    journalSize: kJournalSize
  }
}

// Journal entry: index u32, start f64, end f64, length u32, then the output bytes.
const kEntryHeader = 24

/** Worker side: copies a finished task's output into the slot's journal if it fits. */
export function journalWrite (views: SharedViews, slot: number, index: number, start: number, end: number, bytes: Uint8Array): void {
  const used = views.journalUsed[slot]
  if (used + kEntryHeader + bytes.length > views.journalSize) return
  const base = slot * views.journalSize + used
  const header = new DataView(views.journal.buffer, views.journal.byteOffset + base, kEntryHeader)
  header.setUint32(0, index)
  header.setFloat64(4, start)
  header.setFloat64(12, end)
  header.setUint32(20, bytes.length)
  views.journal.set(bytes, base + kEntryHeader)
  // Published last: the main thread reads only what `journalUsed` covers.
  Atomics.store(views.journalUsed, slot, used + kEntryHeader + bytes.length)
}

export interface JournalEntry { index: number, start: number, end: number, bytes: Uint8Array }

/**
 * Main side: the journal entries of a slot from byte `from` on, and where they end.
 * Safe while the worker still writes: it publishes an entry only once it is complete.
 */
export function journalRead (views: SharedViews, slot: number, from = 0): { entries: JournalEntry[], end: number } {
  const entries: JournalEntry[] = []
  const used = Atomics.load(views.journalUsed, slot)
  let offset = from
  while (offset + kEntryHeader <= used) {
    const base = slot * views.journalSize + offset
    const header = new DataView(views.journal.buffer, views.journal.byteOffset + base, kEntryHeader)
    const length = header.getUint32(20)
    // Copied out: the slot's memory is reused by the next batch.
    const bytes = Buffer.from(views.journal.slice(base + kEntryHeader, base + kEntryHeader + length))
    entries.push({ index: header.getUint32(0), start: header.getFloat64(4), end: header.getFloat64(12), bytes })
    offset += kEntryHeader + length
  }
  return { entries, end: offset }
}
