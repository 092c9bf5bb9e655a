/**
 * FNV-1a, 32 bits: a checksum that tests and benchmarks can compare across runs to prove
 * that a workflow's output did not change. Not for security.
 */

const OFFSET_BASIS = 0x811c9dc5
const PRIME = 0x01000193

/**
 * @param {ArrayLike<number>} bytes
 * @param {number} [hash] a previous result, to hash several buffers as one
 * @returns {number} unsigned 32-bit hash
 */
export function fnv1a (bytes, hash = OFFSET_BASIS) {
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], PRIME)
  return hash >>> 0
}

/**
 * Hashes UTF-16 code units, so ASCII text hashes as its bytes would.
 * @param {string} text
 * @param {number} [hash]
 * @returns {number}
 */
export function fnv1aText (text, hash = OFFSET_BASIS) {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), PRIME)
  return hash >>> 0
}

/** @param {number} hash @returns {string} eight hex digits */
export function toHex32 (hash) {
  return (hash >>> 0).toString(16).padStart(8, '0')
}
