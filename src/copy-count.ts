/**
 * Copies of large values (64 KiB or more) made on the main thread, counted for
 * `engine.stats().scheduler.largeValueCopies`: the work that moved to the
 * workers (wire.ts, encodeShared) and out of SQL text (mysql-blobs.ts). A test
 * reads it to check that the main thread does not copy or re-encode a large
 * output, counted rather than timed. One counter for the process: every engine
 * and storage adds to it.
 */

/** Large values at least this many bytes are counted. */
export const kLargeValue = 64 * 1024

let copies = 0
let copiedBytes = 0

/** Counts one copy (or re-encoding) of `bytes` bytes on the main thread. */
export function countCopy (bytes: number): void {
  copies++
  copiedBytes += bytes
}

/** Copies counted since the process started, and their total bytes. */
export function largeValueCopies (): { count: number, bytes: number } {
  return { count: copies, bytes: copiedBytes }
}
