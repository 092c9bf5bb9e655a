/**
 * Content hashes for cache keys, made where the bytes are: a worker hashes the
 * serialised output it made (and each element of an array that tasks are mapped
 * over), the main thread only combines hashes. SHA-256: keys are shared through
 * storage by every instance, so a collision must not be something one can make.
 */
import { hash } from 'node:crypto'

/** Bytes in a digest. */
export const kDigestBytes = 32

/** The SHA-256 of `bytes`. */
export function digestOf (bytes: Uint8Array): Buffer {
  return hash('sha256', bytes, 'buffer') as unknown as Buffer
}

/** The SHA-256 of `bytes`, in hex: a cache key. */
export function hexDigestOf (bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex')
}

/** Digests of the ranges of `bytes` ending at each of `ends`, one after the other. */
export function digestsOfRanges (bytes: Uint8Array, ends: Int32Array): Uint8Array {
  const out = new Uint8Array(ends.length * kDigestBytes)
  let start = 0
  for (let i = 0; i < ends.length; i++) {
    out.set(digestOf(bytes.subarray(start, ends[i])), i * kDigestBytes)
    start = ends[i]
  }
  return out
}
