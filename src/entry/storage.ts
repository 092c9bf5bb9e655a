// graph-task/storage: the contract a storage implements, for a store of your own.
export type {
  ExecutionStorage, RetryStorage, RecordBatch, RecordKind, RefusedRecord, RowList, StaleReport, TaskSource, TaskRows, SpanRows
} from '../storage/storage.js'
export type { StoredExecution } from '../types.js'
export type { ResultCacheStorage, CachedResult, CacheFilter, CacheStats as CacheContents } from '../storage/cache-storage.js'
export { isCacheStorage } from '../storage/cache-storage.js'
