/**
 * The id of a task attempt's span is a function of its execution's root span id,
 * the task's index and the attempt number, so that it is known before the attempt
 * runs, on either thread, without a random draw or a message: the worker gives it
 * to the handler (`ctx.traceContext`), the main thread writes it into storage and
 * into the span it exports through OpenTelemetry, and all three agree.
 *
 * For one root id the map (task, attempt) -> id is one-to-one: the pair, each
 * xored into one half of the root id, goes through four rounds of a Feistel
 * network (a bijection of 64-bit values whatever its round function, here
 * murmur3's 32-bit finaliser). Ids of different executions differ as random
 * 64-bit values do.
 */

// murmur3's fmix32: a bijection of 32-bit integers that spreads every input bit.
function mix32 (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

// Two hex digits per byte, looked up: cheaper than toString(16) and padStart per id.
const kByteHex = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

function hex8 (n: number): string {
  return kByteHex[n >>> 24] + kByteHex[(n >>> 16) & 255] + kByteHex[(n >>> 8) & 255] + kByteHex[n & 255]
}

/** The 16-hex-digit span id of attempt `attempt` of task `task` under root span `rootSpanId`. */
export function taskSpanId (rootSpanId: string, task: number, attempt: number): string {
  const rootHigh = parseInt(rootSpanId.slice(0, 8), 16)
  const rootLow = parseInt(rootSpanId.slice(8, 16), 16)
  let high = (rootHigh ^ task) >>> 0
  let low = (rootLow ^ attempt) >>> 0
  for (let round = 0; round < 4; round++) {
    const next = (high ^ mix32(low + round)) >>> 0
    high = low
    low = next
  }
  // All zeros is the invalid span id of W3C trace context (one root id in 2^64 meets it).
  if (high === 0 && low === 0) low = 1
  return hex8(high) + hex8(low)
}

/** A span's place in a trace, as W3C trace context carries it. */
export interface SpanParent {
  readonly traceId: string
  readonly spanId: string
  /** W3C trace flags: 1 when sampled. */
  readonly flags: number
}

const kTraceparent = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

/**
 * Parses a W3C `traceparent` header; undefined when it is malformed or names the
 * invalid (all-zero) trace or span.
 */
export function parseTraceparent (header: string): SpanParent | undefined {
  const m = kTraceparent.exec(header.trim().toLowerCase())
  if (m === null || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined
  if (/^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined
  return { traceId: m[2], spanId: m[3], flags: parseInt(m[4], 16) }
}

/** The `traceparent` header of a span. */
export function formatTraceparent (traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${flags & 1 ? '01' : '00'}`
}
