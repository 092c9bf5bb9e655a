/**
 * The outputs of one execution's tasks, without an object per task: output i
 * is `len[i]` bytes of `buf[i]` from `off[i]`, where `buf[i]` is a buffer shared
 * by every output that came back in the same batch. A large output that is
 * kept for history arrives in shared memory, made by the worker (wire.ts,
 * encodeShared): `buf[i]` is then that shared buffer, referenced by the
 * history and by every consumer alike, and decoded only when read. Outputs
 * that hold large typed arrays and are not kept are Packets instead (their
 * buffers are moved between threads, not copied); a Packet reaching here while
 * outputs are kept gets its self-contained copy made on this thread (counted).
 */
import { decode, toStorageBytes, UNDEFINED_PACKET, type Packet } from '../wire/values.js'
import type { Plan } from '../workflow/planner.js'

/** `len` of a task without output (it has not succeeded). */
const kNoOutput = -1
/** `len` of an output kept as a Packet. */
export const kPacketOutput = -2

export class TaskOutputs {
  readonly buf: Array<Uint8Array | Packet | null>
  // Replaced by grow(): read them from here each time.
  off: Int32Array
  /** Byte length; 0 for `undefined`; kNoOutput or kPacketOutput. */
  len: Int32Array
  readonly #plan: Plan
  readonly #store: boolean
  #stored: Array<Uint8Array | undefined> | null = null
  #consumersLeft: Int32Array | null = null

  constructor (plan: Plan, store: boolean) {
    const n = plan.size
    this.#plan = plan
    this.#store = store
    this.buf = new Array(n).fill(null)
    this.off = new Int32Array(n)
    this.len = new Int32Array(n).fill(kNoOutput)
  }

  /** Room for `capacity` tasks: the instances of a map that expanded. */
  grow (capacity: number): void {
    const off = new Int32Array(capacity)
    off.set(this.off)
    const len = new Int32Array(capacity).fill(kNoOutput)
    len.set(this.len)
    this.off = off
    this.len = len
    for (let i = this.buf.length; i < capacity; i++) this.buf.push(null)
  }

  /** Keeps output i: `length` bytes of `buf` from `offset`, or (kPacketOutput) a Packet. */
  set (i: number, buf: Uint8Array | Packet | null, offset: number, length: number): void {
    this.buf[i] = buf
    this.off[i] = offset
    this.len[i] = length
    if (length === kPacketOutput && this.#store) (this.#stored ??= [])[i] = toStorageBytes(buf as Packet)
  }

  /** Consumers of output i's large buffers still to be sent them: decides transfer versus copy. */
  consumersLeft (): Int32Array {
    if (this.#consumersLeft === null) {
      const left = this.#consumersLeft = new Int32Array(this.#plan.size)
      for (let t = 0; t < left.length; t++) left[t] = this.#plan.dependents[t].length
    }
    return this.#consumersLeft
  }

  /** The self-contained copy kept for history of an output held as a Packet, if any. */
  storedOf (i: number): Uint8Array | undefined {
    return this.#stored?.[i]
  }

  /** Self-contained bytes of output i (v8-serialised), for storage; undefined when it has none. */
  bytes (i: number): Uint8Array | undefined {
    const length = this.len[i]
    if (length === kNoOutput) return undefined
    if (length === kPacketOutput) return this.#stored?.[i]
    const buf = this.buf[i] as Uint8Array | null
    return length === 0 || buf === null ? UNDEFINED_PACKET.bytes : buf.subarray(this.off[i], this.off[i] + length)
  }

  /** Output i, decoded; undefined when it has none. */
  value (i: number): unknown {
    const length = this.len[i]
    if (length > 0) {
      const buf = this.buf[i] as Uint8Array
      return decode({ bytes: buf.subarray(this.off[i], this.off[i] + length), oob: null })
    }
    if (length !== kPacketOutput) return undefined
    const packet = this.buf[i] as Packet
    // Large buffers moved on to a consumer are detached here; the stored copy (kept for
    // history unless storeOutputs is off) still holds the value.
    const stored = this.#stored?.[i]
    if (stored !== undefined && packet.oob!.some(b => b.byteLength === 0)) return decode({ bytes: stored, oob: null })
    return decode(packet)
  }
}
