// graph-task/storage: the contract a storage implements, for a store of your own.
export type {
  ExecutionStorage, RetryStorage, RecordBatch, RecordKind, RefusedRecord, RowList, StaleReport, TaskSource, TaskRows, SpanRows
} from '../storage/storage.js'
export type { StoredExecution } from '../types.js'
