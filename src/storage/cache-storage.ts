/**
 * What a storage needs to keep cached task results: entries found by key, each an
 * output as its worker serialised it, with the digest of those bytes. The engine
 * asks for the keys of many tasks at once (one call per round of ready tasks, not
 * per task) and puts an entry when a cached task succeeded.
 */

/** One cached result. */
export interface CachedResult {
  /** The cache key: hex SHA-256 of what decides the output. */
  key: string
  /** The output, v8-serialised and self-contained, byte for byte as it crossed between threads. */
  bytes: Uint8Array
  /**
   * SHA-256 of `bytes`, when its worker made it (a cached task takes this output: its
   * key is made of it); null otherwise. A storage that checks what it reads back
   * hashes the bytes itself when it is null.
   */
  digest: Uint8Array | null
  /** Who made it: for clearing by workflow or task, and for `cache stats`. */
  workflowId: string
  taskId: string
  /** When it was made, epoch ms. */
  createdAt: number
  /** When it stops being used, epoch ms; 0 for never. */
  expiresAt: number
}

/** Which entries `clearCachedResults` removes; every entry when empty. */
export interface CacheFilter {
  /** Entries made by tasks of this workflow. */
  workflowId?: string
  /** Entries made by this task (with `workflowId`, of that workflow only). */
  taskId?: string
  /** Entries made before this time (a Date or epoch ms). */
  before?: number | Date
}

/** What a cache holds. */
export interface CacheStats {
  entries: number
  bytes: number
}

/**
 * A storage that keeps cached task results. MemoryStorage keeps them in the
 * process, bounded in bytes; MySQLStorage keeps them in the database, shared by
 * every instance.
 */
export interface ResultCacheStorage {
  /** The largest output the cache keeps (bytes): a larger one fails its cached task (CACHE_VALUE_TOO_LARGE). */
  readonly maxCachedBytes: number
  /**
   * The entries of `keys`, in order: undefined where there is none (or it expired by
   * `now`), and a sentence saying why where the stored value cannot be read back
   * (missing parts, bytes that do not match their digest). The engine logs those and
   * runs the task: never an error.
   */
  getCachedResults (keys: readonly string[], now: number): Promise<Array<CachedResult | string | undefined>>
  /** Stores entries (an entry with a key already stored replaces it). */
  putCachedResults (entries: readonly CachedResult[]): Promise<void>
  /** Removes the entries `filter` selects; resolves with how many. */
  clearCachedResults (filter?: CacheFilter): Promise<number>
  /** Entries and bytes held. */
  cacheStats (): Promise<CacheStats>
}

/** True for a storage that keeps cached task results. */
export function isCacheStorage (storage: unknown): storage is ResultCacheStorage {
  return typeof (storage as Partial<ResultCacheStorage>)?.getCachedResults === 'function'
}
