/**
 * Identifiers. Execution ids sort by start time and are unique across
 * instances: 48 bits of milliseconds and 80 random bits, in Crockford base32
 * (the ULID layout), monotonic within one process even when the clock stands
 * still or steps back. Span and trace ids follow OpenTelemetry's sizes.
 */
import { randomBytes, randomFillSync } from 'node:crypto'

const kAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

let lastTime = -1
const lastRandom = new Uint8Array(10)

function incrementRandom (): void {
  for (let i = lastRandom.length - 1; i >= 0; i--) {
    if (lastRandom[i] !== 0xff) { lastRandom[i]++; return }
    lastRandom[i] = 0
  }
}

/** A 26-character, time-sortable, unique id. */
export function newExecutionId (): string {
  let time = Date.now()
  if (time <= lastTime) {
    time = lastTime
    incrementRandom()
  } else {
    lastTime = time
    randomFillSync(lastRandom)
  }
  let out = ''
  for (let i = 9; i >= 0; i--) {
    out = kAlphabet[time % 32] + out
    time = Math.floor(time / 32)
  }
  // 80 random bits as 16 base32 digits, 5 bits at a time.
  let acc = 0
  let bits = 0
  for (let i = 0; i < lastRandom.length; i++) {
    acc = (acc << 8) | lastRandom[i]
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += kAlphabet[(acc >> bits) & 31]
    }
    acc &= (1 << bits) - 1
  }
  return out
}

// Hex ids come from a pooled random buffer: one crypto call per 4 KiB of ids.
let pool = Buffer.alloc(0)
let poolOffset = 0

function randomHex (bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(4096)
    poolOffset = 0
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes)
  poolOffset += bytes
  return hex
}

/** 32 hex digits. */
export function newTraceId (): string {
  return randomHex(16)
}

/** 16 hex digits. */
export function newSpanId (): string {
  return randomHex(8)
}

/** An engine instance id: readable host and pid, plus randomness for uniqueness. */
export function newInstanceId (hostname: string): string {
  return `${hostname}:${process.pid}:${randomHex(4)}`
}
