/**
 * How values cross threads: V8's value serialiser, with large typed arrays moved
 * out of band so that they are transferred instead of copied.
 *
 *   worker: value ──serialise──▶ Packet { bytes, oob: [ArrayBuffer...] }
 *                                   │ postMessage(bytes; transfer oob)
 *   main:   keeps the Packet as is ─┴─▶ forwards it to dependents untouched,
 *           decodes it only when someone reads the output.
 *
 * Serialising in the worker instead of letting postMessage clone gives three
 * things: a value that cannot be cloned fails its own task (not the whole
 * batch, not the worker); the main thread never decodes an output it only
 * forwards; and the bytes are what storage keeps for resume, with no second
 * encoding on the main thread. Bytes without out-of-band parts are plain
 * `v8.serialize` output, readable by `v8.deserialize`.
 *
 * An output that history keeps, or that more than one consumer takes, is
 * serialised self-contained into a SharedArrayBuffer instead (encodeShared): the
 * worker makes the one copy, and the main thread only holds a reference that it
 * keeps for history and sends to every consumer, which decodes its own copy.
 */
import v8 from 'node:v8'
import { countCopy, kLargeValue } from '../copy-count.js'
import { kNotSmall, readSmall, writeSmall } from './small-values.js'

/** A serialised value. */
export interface Packet {
  bytes: Uint8Array
  /** Buffers of large typed arrays, moved out of band (transferable). */
  oob: ArrayBuffer[] | null
}

/** Typed arrays at least this large travel by transfer. */
export const TRANSFER_THRESHOLD = kLargeValue

// Our own host-object tag; Node's DefaultSerializer uses small indices for its view types.
const kOutOfBand = 0x67740001

const kViewTypes = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
  Uint32Array, Float32Array, Float64Array, DataView, BigInt64Array, BigUint64Array, Buffer
] as const
type ViewCtor = (typeof kViewTypes)[number]

// @types/node leaves out the hooks that subclasses override; name them here.
const SerializerBase = v8.DefaultSerializer as unknown as new () => v8.Serializer & {
  _writeHostObject (view: NodeJS.TypedArray | DataView): void
  _getSharedArrayBufferId (sab: SharedArrayBuffer): number
}
const DeserializerBase = v8.DefaultDeserializer as unknown as new (buffer: Buffer) => v8.Deserializer & {
  _readHostObject (): unknown
}

class WireSerializer extends SerializerBase {
  oob: ArrayBuffer[] | null = null
  /** True: every typed array is written into the bytes (self-contained output). */
  inline = false

  override _writeHostObject (view: NodeJS.TypedArray | DataView): void {
    const buffer = view.buffer
    if (!this.inline && view.byteLength >= TRANSFER_THRESHOLD && !(buffer instanceof SharedArrayBuffer)) {
      const type = kViewTypes.indexOf(view.constructor as ViewCtor)
      if (type !== -1) {
        const list = this.oob ??= []
        let index = list.indexOf(buffer)
        if (index === -1) index = list.push(buffer) - 1
        this.writeUint32(kOutOfBand)
        this.writeUint32(type)
        this.writeUint32(index)
        this.writeDouble(view.byteOffset)
        this.writeDouble(view.byteLength)
        return
      }
    }
    super._writeHostObject(view)
  }

  // Node's deserialiser cannot map SharedArrayBuffers back, so say so at the sender.
  override _getSharedArrayBufferId (): number {
    throw new TypeError('a SharedArrayBuffer cannot travel as a task input or output')
  }
}

class WireDeserializer extends DeserializerBase {
  readonly #oob: ArrayBuffer[] | null

  constructor (packet: Packet) {
    super(packet.bytes as Buffer)
    this.#oob = packet.oob
  }

  override _readHostObject (): unknown {
    // Peek at the tag: Node's own views start with their type index instead.
    const tag = this.readUint32()
    if (tag !== kOutOfBand) {
      return readNodeView(this, tag)
    }
    const Ctor = kViewTypes[this.readUint32()]
    const buffer = this.#oob![this.readUint32()]
    const byteOffset = this.readDouble()
    const byteLength = this.readDouble()
    // A buffer that was transferred onwards is detached here: show an empty view, never throw.
    if (buffer.byteLength === 0 && byteLength > 0) return Ctor === DataView ? new DataView(new ArrayBuffer(0)) : new (Ctor as unknown as Uint8ArrayConstructor)(0)
    if (Ctor === DataView) return new DataView(buffer, byteOffset, byteLength)
    if (Ctor === Buffer) return Buffer.from(buffer, byteOffset, byteLength)
    const size = (Ctor as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT
    return new (Ctor as unknown as Uint8ArrayConstructor)(buffer, byteOffset, byteLength / size)
  }
}

// Node's DefaultSerializer writes a view as (type index, byte length, raw bytes). We
// consumed the index while looking for our tag, so read the rest the same way Node does.
const kNodeViewTypes = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
  Uint32Array, Float32Array, Float64Array, DataView, Buffer, BigInt64Array, BigUint64Array
] as const

function readNodeView (des: v8.Deserializer, typeIndex: number): unknown {
  const Ctor = kNodeViewTypes[typeIndex]
  if (Ctor === undefined) throw new Error(`unknown view type ${typeIndex} in serialised data`)
  const byteLength = des.readUint32()
  // Copy out of the message bytes so the view does not pin (or alias) the whole packet.
  const raw = (des as unknown as { _readRawBytes (n: number): number })._readRawBytes(byteLength)
  const source = (des as unknown as { buffer: Buffer }).buffer
  const copy = new ArrayBuffer(byteLength)
  new Uint8Array(copy).set(source.subarray(raw, raw + byteLength))
  if (Ctor === DataView) return new DataView(copy)
  if (Ctor === Buffer) return Buffer.from(copy)
  const size = (Ctor as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT
  return new (Ctor as unknown as Uint8ArrayConstructor)(copy, 0, byteLength / size)
}

/** Serialises a value; throws V8's DataCloneError for functions, symbols and the like. */
export function encode (value: unknown): Packet {
  const small = writeSmall(value)
  if (small !== null) return { bytes: small, oob: null }
  const ser = new WireSerializer()
  ser.writeHeader()
  ser.writeValue(value)
  return { bytes: ser.releaseBuffer(), oob: ser.oob }
}

/** Serialises a value self-contained (typed arrays in the bytes), readable by `v8.deserialize`. */
export function encodeInline (value: unknown): Uint8Array {
  const small = writeSmall(value)
  if (small !== null) return small
  const ser = new WireSerializer()
  ser.inline = true
  ser.writeHeader()
  ser.writeValue(value)
  return ser.releaseBuffer()
}

/**
 * Values decoded by this thread, for tests: a dependency no handler reads is never
 * decoded. Handler modules in a worker read it as `globalThis[Symbol.for('graph-task.decodes')]`.
 */
const decodes = ((globalThis as Record<symbol, { count: number } | undefined>)[Symbol.for('graph-task.decodes')] ??= { count: 0 })

/** Rebuilds a value from a packet. */
export function decode (packet: Packet): unknown {
  decodes.count++
  if (packet.oob === null) {
    const small = readSmall(packet.bytes)
    if (small !== kNotSmall) return small
  }
  const des = new WireDeserializer(packet)
  des.readHeader()
  return des.readValue()
}

/** Serialised `undefined`, shared: most no-op handlers return nothing. */
export const UNDEFINED_PACKET: Packet = Object.freeze({ bytes: encode(undefined).bytes, oob: null }) as Packet

/**
 * Bytes that `v8.deserialize` alone can read, for storage. Packets with
 * out-of-band parts are decoded and re-encoded.
 */
export function toStorageBytes (packet: Packet): Uint8Array {
  if (packet.oob === null) return packet.bytes
  const bytes = v8.serialize(decode(packet))
  countCopy(bytes.byteLength)
  return bytes
}

/**
 * Worker side: `value` serialised self-contained (no out-of-band parts) into a
 * SharedArrayBuffer. The main thread keeps the reference for history and sends
 * it to every consumer without copying it; readable by {@link fromStorageBytes}.
 */
export function encodeShared (value: unknown): Packet {
  return { bytes: toShared(encodeInline(value)), oob: null }
}

/** `bytes` copied into a SharedArrayBuffer. */
export function toShared (bytes: Uint8Array): Uint8Array {
  const view = new Uint8Array(new SharedArrayBuffer(bytes.byteLength))
  view.set(bytes)
  return view
}

/** True when `bytes` lie in shared memory (made by {@link encodeShared} or {@link toShared}). */
export function isShared (bytes: Uint8Array): boolean {
  return bytes.buffer instanceof SharedArrayBuffer
}

/** Reads bytes written by {@link toStorageBytes} (or `v8.serialize`). */
export function fromStorageBytes (bytes: Uint8Array): unknown {
  return decode({ bytes, oob: null })
}

/** Copies a packet so that it can be sent to one more consumer while the original is transferred. */
export function clonePacket (packet: Packet): Packet {
  if (packet.oob === null) return packet
  const oob = new Array<ArrayBuffer>(packet.oob.length)
  for (let i = 0; i < oob.length; i++) {
    oob[i] = packet.oob[i].slice(0)
    countCopy(oob[i].byteLength)
  }
  return { bytes: packet.bytes, oob }
}
