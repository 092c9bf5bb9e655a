/**
 * Cached task results in process memory, bounded in bytes: the least recently
 * used entries go first when a new one would pass the bound. A Map keeps its
 * insertion order, so a hit moves its entry to the end and the first key is
 * the one to evict. Entries keep the bytes the engine handed over (a worker's
 * shared buffer for a large output): nothing is copied on a hit.
 */
import type { CachedResult, CacheFilter, CacheStats } from './cache-storage.js'
import { epochMs } from '../query-options.js'

export class MemoryResultCache {
  readonly #maxBytes: number
  readonly #entries = new Map<string, CachedResult>()
  #bytes = 0

  constructor (maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  get maxBytes (): number { return this.#maxBytes }

  get (keys: readonly string[], now: number): Array<CachedResult | undefined> {
    const out = new Array<CachedResult | undefined>(keys.length)
    for (let k = 0; k < keys.length; k++) {
      const entry = this.#entries.get(keys[k])
      if (entry === undefined) continue
      this.#entries.delete(keys[k])
      if (entry.expiresAt !== 0 && entry.expiresAt <= now) {
        this.#bytes -= entry.bytes.byteLength
        continue
      }
      this.#entries.set(keys[k], entry)
      out[k] = entry
    }
    return out
  }

  put (entries: readonly CachedResult[]): void {
    for (const entry of entries) {
      if (entry.bytes.byteLength > this.#maxBytes) continue
      const old = this.#entries.get(entry.key)
      if (old !== undefined) {
        this.#entries.delete(entry.key)
        this.#bytes -= old.bytes.byteLength
      }
      this.#bytes += entry.bytes.byteLength
      this.#entries.set(entry.key, entry)
      for (const [key, first] of this.#entries) {
        if (this.#bytes <= this.#maxBytes) break
        this.#entries.delete(key)
        this.#bytes -= first.bytes.byteLength
      }
    }
  }

  clear (filter: CacheFilter = {}): number {
    const before = filter.before === undefined ? undefined : epochMs('clearCachedResults(): before', filter.before)
    let removed = 0
    for (const [key, entry] of this.#entries) {
      if (filter.workflowId !== undefined && entry.workflowId !== filter.workflowId) continue
      if (filter.taskId !== undefined && entry.taskId !== filter.taskId) continue
      if (before !== undefined && entry.createdAt >= before) continue
      this.#entries.delete(key)
      this.#bytes -= entry.bytes.byteLength
      removed++
    }
    return removed
  }

  stats (): CacheStats {
    return { entries: this.#entries.size, bytes: this.#bytes }
  }
}
