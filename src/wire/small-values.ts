/**
 * The values pipelines mostly pass (numbers, booleans, null, undefined, short
 * strings, small plain objects and arrays of them), written and read in plain
 * JavaScript, in V8's own serialisation format (version 15):
 *
 *   ff 0f  header          T F 0 _   true, false, null, undefined
 *   I zigzag-varint        int32     N 8 bytes         double (-0, NaN, the rest)
 *   " varint latin1        string    c varint utf16le  any other string
 *   o key value ... { n    object    A n value ... $ 0 n  array without holes
 *
 * Creating a V8 Serializer or Deserializer is a native object per value, which costs
 * microseconds and feeds the collector, against a few tens of bytes of work. Since the
 * bytes are V8's format, `v8.deserialize` reads them, storage keeps them as before, and
 * either side may read what the other wrote. Anything else (a shared or cyclic
 * reference, a Map, a Date, a BigInt, a typed array, a class instance, a Proxy, a
 * hole, a long string, a value past the size cap) is left to V8's serialiser whole:
 * {@link writeSmall} and {@link readSmall} answer that they did not handle it.
 */
import { types } from 'node:util'

/** What {@link readSmall} answers for bytes it leaves to V8's deserialiser. */
export const kNotSmall: unique symbol = Symbol('not a small value')

// Bytes written at most, string and array lengths and objects at most: past them V8's
// fixed cost is small beside the work.
const kMaxBytes = 4096
const kMaxString = 256
const kMaxObjects = 64

const enum Tag {
  Padding = 0x00, Null = 0x30, Undefined = 0x5f, True = 0x54, False = 0x46,
  Int32 = 0x49, Uint32 = 0x55, Double = 0x4e, OneByte = 0x22, TwoByte = 0x63,
  BeginObject = 0x6f, EndObject = 0x7b, BeginArray = 0x41, EndArray = 0x24
}

const f64 = new Float64Array(1)
const f64Bytes = new Uint8Array(f64.buffer)
const objectProto = Object.prototype
const arrayProto = Array.prototype

// The buffer being written (this file's scratch, or a caller's), where the value starts,
// where writing is, and the end of the room it may use.
let scratch: Uint8Array = new Uint8Array(256)
let out = scratch
let at = 0
let start = 0
let limit = 0
// Objects met in the value being written (the first seenCount): a second meeting is a
// reference, V8's to write. A count, not the array's length: setting length per value
// costs more than writing a small object.
const seen: object[] = []
let seenCount = 0
const kNothing = {}

/**
 * `value` in V8's format, a fresh array of its exact length; null when the value is
 * not one this file writes (then nothing is left behind).
 */
export function writeSmall (value: unknown): Uint8Array | null {
  const length = writeSmallInto(value, scratch, 0, kMaxBytes)
  return length === -1 ? null : scratch.slice(0, length)
}

/**
 * Writes `value` in V8's format into `target` from `offset`, using no byte at or past
 * `end`; returns its length, or -1 when the value is not one this file writes or does
 * not fit (bytes from `offset` may have been written then).
 */
export function writeSmallInto (value: unknown, target: Uint8Array, offset: number, end: number): number {
  out = target
  start = at = offset
  limit = Math.min(end, offset + kMaxBytes)
  seenCount = 0
  let ok = room(2)
  if (ok) {
    out[at++] = 0xff
    out[at++] = 0x0f
    ok = writeValue(value)
  }
  // The caller's objects are not kept alive by this file.
  for (let k = 0; k < seenCount; k++) seen[k] = kNothing
  seenCount = 0
  out = scratch
  return ok ? at - start : -1
}

function room (n: number): boolean {
  if (at + n <= limit && at + n <= out.length) return true
  if (out !== scratch || at + n > limit) return false
  const grown = new Uint8Array(Math.min(kMaxBytes, Math.max(at + n, out.length * 2)))
  grown.set(out.subarray(0, at))
  out = scratch = grown
  return true
}

function writeVarint (n: number): void {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  out[at++] = n
}

function writeValue (value: unknown): boolean {
  switch (typeof value) {
    case 'number': return writeNumber(value)
    case 'string': return writeString(value)
    case 'boolean':
      if (!room(1)) return false
      out[at++] = value ? Tag.True : Tag.False
      return true
    case 'undefined':
      if (!room(1)) return false
      out[at++] = Tag.Undefined
      return true
    case 'object':
      if (value === null) {
        if (!room(1)) return false
        out[at++] = Tag.Null
        return true
      }
      return writeObject(value)
    default:
      return false
  }
}

function writeNumber (n: number): boolean {
  if (!room(10)) return false
  if ((n | 0) === n && (n !== 0 || 1 / n > 0)) {
    out[at++] = Tag.Int32
    writeVarint(((n << 1) ^ (n >> 31)) >>> 0)
    return true
  }
  out[at++] = Tag.Double
  f64[0] = n
  out.set(f64Bytes, at)
  at += 8
  return true
}

function writeString (s: string): boolean {
  const n = s.length
  if (n > kMaxString || !room(2 * n + 7)) return false
  let wide = false
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0xff) {
      wide = true
      break
    }
  }
  if (!wide) {
    out[at++] = Tag.OneByte
    writeVarint(n)
    for (let i = 0; i < n; i++) out[at++] = s.charCodeAt(i)
    return true
  }
  // V8 pads so that the UTF-16 units start at an even offset of the value's bytes.
  if (((at - start) + 1 + (2 * n < 0x80 ? 1 : 2)) & 1) out[at++] = Tag.Padding
  out[at++] = Tag.TwoByte
  writeVarint(2 * n)
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    out[at++] = c & 0xff
    out[at++] = c >>> 8
  }
  return true
}

function writeObject (value: object): boolean {
  if (seenCount >= kMaxObjects) return false
  for (let k = 0; k < seenCount; k++) if (seen[k] === value) return false
  const proto = Object.getPrototypeOf(value)
  if ((proto !== objectProto && proto !== arrayProto) || types.isProxy(value)) return false
  seen[seenCount++] = value
  if (proto === arrayProto && (value as unknown[]).length > kMaxString) return false
  const keys = Object.keys(value)
  if (proto === arrayProto) {
    const array = value as unknown[]
    const length = array.length
    // A hole, or a named property beside the elements: V8 writes those arrays another way.
    if (keys.length !== length || !room(6)) return false
    out[at++] = Tag.BeginArray
    writeVarint(length)
    for (let i = 0; i < length; i++) if (!writeValue(array[i])) return false
    if (!room(12)) return false
    out[at++] = Tag.EndArray
    writeVarint(0)
    writeVarint(length)
    return true
  }
  if (!room(1)) return false
  out[at++] = Tag.BeginObject
  const record = value as Record<string, unknown>
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]
    if (key === '__proto__' || !writeString(key) || !writeValue(record[key])) return false
  }
  if (!room(6)) return false
  out[at++] = Tag.EndObject
  writeVarint(keys.length)
  return true
}

// Reading: the bytes and the position in them of the value being read.
let buf: Uint8Array = scratch
let pos = 0
let end = 0

/**
 * The value V8's format holds in `bytes`, or {@link kNotSmall} when they hold
 * anything this file does not write (then V8's deserialiser reads them).
 */
export function readSmall (bytes: Uint8Array): unknown {
  if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== 0x0f) return kNotSmall
  buf = bytes
  pos = 2
  end = bytes.length
  const value = readValue()
  buf = scratch
  return pos === end ? value : kNotSmall
}

function readVarint (): number {
  let n = 0
  let shift = 0
  let b: number
  do {
    if (pos >= end || shift > 28) return -1
    b = buf[pos++]
    n += (b & 0x7f) * 2 ** shift
    shift += 7
  } while (b >= 0x80)
  return n
}

function readValue (): unknown {
  if (pos >= end) return kNotSmall
  let tag = buf[pos++]
  while (tag === Tag.Padding && pos < end) tag = buf[pos++]
  switch (tag) {
    case Tag.Int32: {
      const z = readVarint()
      return z < 0 ? kNotSmall : (z >>> 1) ^ -(z & 1)
    }
    case Tag.Uint32: {
      const n = readVarint()
      return n < 0 ? kNotSmall : n
    }
    case Tag.Double:
      if (pos + 8 > end) return kNotSmall
      for (let i = 0; i < 8; i++) f64Bytes[i] = buf[pos++]
      return f64[0]
    case Tag.OneByte: return readOneByte()
    case Tag.TwoByte: return readTwoByte()
    case Tag.True: return true
    case Tag.False: return false
    case Tag.Null: return null
    case Tag.Undefined: return undefined
    case Tag.BeginObject: return readObject()
    case Tag.BeginArray: return readArray()
    default: return kNotSmall
  }
}

function readOneByte (): unknown {
  const n = readVarint()
  if (n < 0 || pos + n > end) return kNotSmall
  let s = ''
  for (let i = 0; i < n; i++) s += String.fromCharCode(buf[pos++])
  return s
}

function readTwoByte (): unknown {
  const n = readVarint()
  if (n < 0 || (n & 1) !== 0 || pos + n > end) return kNotSmall
  let s = ''
  for (let i = 0; i < n; i += 2, pos += 2) s += String.fromCharCode(buf[pos] | (buf[pos + 1] << 8))
  return s
}

function readObject (): unknown {
  const object: Record<string, unknown> = {}
  let count = 0
  for (;;) {
    if (pos >= end) return kNotSmall
    if (buf[pos] === Tag.EndObject) {
      pos++
      return readVarint() === count ? object : kNotSmall
    }
    // V8 writes a key that is an array index as a number.
    const raw = readValue()
    const key = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : null
    if (key === null || key === '__proto__') return kNotSmall
    const value = readValue()
    if (value === kNotSmall) return kNotSmall
    object[key] = value
    count++
  }
}

function readArray (): unknown {
  const length = readVarint()
  if (length < 0 || length > end - pos) return kNotSmall
  // Pushed, not sized first: an array made with its length is holey, and V8 writes those sparse.
  const array: unknown[] = []
  for (let i = 0; i < length; i++) {
    const value = readValue()
    if (value === kNotSmall) return kNotSmall
    array.push(value)
  }
  // Named properties of a dense array come before its end tag: left to V8.
  if (pos >= end || buf[pos++] !== Tag.EndArray) return kNotSmall
  return readVarint() === 0 && readVarint() === length ? array : kNotSmall
}
