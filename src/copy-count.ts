/**
 * Copies of large values (64 KiB or more) made on the main thread, counted for
 * `engine.stats().scheduler.largeValueCopies`: the work issue 16 moved to the
 * workers (wire.ts, encodeShared) and out of SQL text (mysql-blobs.ts). A test
 * reads it to check that the main thread does not copy or re-encode a large
 * output, counted rather than timed. One counter for the process: every engine
 * and storage adds to it.
 */

/** Large values at least this many bytes are counted. */
export const kLargeValue = 64 * 1024

/** Copies since the process started, and their total bytes. */
export const largeValueCopies = { count: 0, bytes: 0 }

/** Counts one copy (or re-encoding) of `bytes` bytes on the main thread. */
export function countCopy (bytes: number): void {
  largeValueCopies.count++
  largeValueCopies.bytes += bytes
}
