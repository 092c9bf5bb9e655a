/**
 * The elements of an array that a mapped task runs over, each serialised on its
 * own, where the array is: in the worker that produced it, which knows from the
 * plan that a task is mapped over its output. The main thread then hands element
 * i to instance i as a range of bytes, without decoding the array or encoding an
 * element itself.
 *
 *   worker: output [a, b, c] ──▶ bytes: |a|b|c|   ends: [ea, eb, ec]
 *   main:   instance i takes bytes[ends[i - 1] .. ends[i]]   (one copy into its batch)
 */
import { decode, encodeInline } from './values.js'
import { describeValue } from '../option-keys.js'

/** An array's elements, serialised one by one into one buffer. */
export interface Elements {
  /** Element i is `bytes[ends[i - 1] ?? 0 .. ends[i]]`, self-contained v8 serialisation. */
  bytes: Uint8Array
  ends: Int32Array
  /**
   * The digest of each element, one after the other (kDigestBytes each), when a cached
   * task is mapped over them: made by the worker that serialised them.
   */
  digests?: Uint8Array
}

/** What a mapped task finds in its source's output: its elements, or why there are none. */
export type MapInput = Elements | { notArray: string }

/** Serialises the elements of `value`, or describes it when it is not an array. */
export function mapInputOf (value: unknown): MapInput {
  if (!Array.isArray(value)) return { notArray: describeValue(value) }
  const n = value.length
  const ends = new Int32Array(n)
  const parts = new Array<Uint8Array>(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    const part = parts[i] = encodeInline(value[i])
    total += part.byteLength
    ends[i] = total
  }
  const bytes = new Uint8Array(total)
  let at = 0
  for (let i = 0; i < n; i++) {
    bytes.set(parts[i], at)
    at += parts[i].byteLength
  }
  return { bytes, ends }
}

/** The map input of an output kept as bytes: decoded and split here (a resume, where no worker has it). */
export function mapInputOfBytes (bytes: Uint8Array | undefined): MapInput {
  return mapInputOf(bytes === undefined ? undefined : decode({ bytes, oob: null }))
}

/** Where element i lies in `elements.bytes`. */
export function elementStart (elements: Elements, i: number): number {
  return i === 0 ? 0 : elements.ends[i - 1]
}
