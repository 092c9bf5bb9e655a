/**
 * Worker side of cache keys: the output a cached task takes (or makes) is hashed
 * here, from the bytes just serialised, and the digest goes into the slot's shared
 * table beside the outcome, so the main thread never serialises or reads a value
 * to key it. A cached output is checked against what storage keeps, so that a
 * value too large to cache fails its task once, with a clear error, rather than
 * run again on every execution.
 */
import { ErrorCodes, type ErrorInfo } from '../errors.js'
import { kKeyed } from '../wire/batch-format.js'
import { digestOf, digestsOfRanges, kDigestBytes } from '../wire/digest.js'
import type { MapInput } from '../wire/elements.js'
import type { SharedViews } from '../wire/shared-state.js'
import { UNDEFINED_PACKET, type Packet } from '../wire/values.js'

/**
 * Publishes the digest of the output at position `b` of `slot` (before its outcome) when
 * a cached task takes it, and of each element of `map` then. A cached output nothing
 * cached takes is not hashed: its key is made from its inputs, not from it. Returns the
 * error that fails the task when it is cached and its output is larger than `maxBytes`.
 */
export function keyOutput (views: SharedViews, slot: number, b: number, keyed: number, packet: Packet | null,
  map: MapInput | null, maxBytes: number, taskId: string): ErrorInfo | null {
  const bytes = packet === null ? UNDEFINED_PACKET.bytes : packet.bytes
  if ((keyed & kKeyed.cached) !== 0 && bytes.byteLength > maxBytes) {
    return {
      code: ErrorCodes.CACHE_VALUE_TOO_LARGE,
      message: `output of cached task "${taskId}" is ${bytes.byteLength} bytes; its storage caches values of at most ${maxBytes} bytes (raise the limit or drop cache from the task)`,
      retryable: false
    }
  }
  if ((keyed & kKeyed.taken) === 0) return null
  views.digests.set(digestOf(bytes), (slot * views.maxBatch + b) * kDigestBytes)
  if (map !== null && 'ends' in map) map.digests = digestsOfRanges(map.bytes, map.ends)
  return null
}
