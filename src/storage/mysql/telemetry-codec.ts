/**
 * Log lines and spans to SQL tuples and rows back, for MySQLStorage. Messages and
 * names are bounded and escaped by `sqlText` (mysql-text); structured fields are
 * JSON, whose text escapes every lone surrogate already.
 */
import type { LogEntry, LogLevel, SpanRecord } from '../../types.js'
import { LOG_LEVEL_VALUES } from '../../types.js'
import { jsonText, jsonValue, readTime, sqlText, sqlTime, sqlValue, type Row } from './sql.js'
import { kTextLimits, readText } from './text.js'

/** Columns of `<prefix>logs`, in the order of `logTuple`. */
export const kLogColumns = [
  'execution_id', 'seq', 'task_id', 'map_index', 'attempt', 'time', 'level', 'level_value', 'message', 'data'
] as const

/** A log line as a SQL tuple, with the sequence number that keys it. */
export function logTuple (e: LogEntry, seq: number): string {
  return '(' + sqlValue(e.executionId) + ',' + String(seq) + ',' + sqlValue(e.taskId) + ',' + sqlValue(e.mapIndex) + ',' + sqlValue(e.attempt) + ',' +
    sqlTime(e.time) + ',' + sqlValue(e.level) + ',' + sqlValue(LOG_LEVEL_VALUES[e.level]) + ',' +
    sqlText(e.message, kTextLimits.message) + ',' + sqlValue(jsonText(e.data)) + ')'
}

/** A log row back to its entry. */
export function logFromRow (row: Row): LogEntry {
  const entry: LogEntry = {
    executionId: row.execution_id as string,
    time: readTime(row.time)!,
    level: row.level as LogLevel,
    message: readText(row.message)!
  }
  if (row.task_id !== null) entry.taskId = row.task_id as string
  if (row.map_index !== null && row.map_index !== undefined) entry.mapIndex = row.map_index as number
  if (row.attempt !== null) entry.attempt = row.attempt as number
  if (row.data !== null) entry.data = jsonValue(row.data) as Record<string, unknown>
  return entry
}

// --- spans ---------------------------------------------------------------

/** Columns of `<prefix>spans`, in the order of `spanTuple`. */
export const kSpanColumns = [
  'execution_id', 'span_id', 'trace_id', 'parent_span_id', 'task_id', 'name', 'start_time', 'end_time',
  'status_code', 'status_message', 'attributes', 'events'
] as const

/** A span as a SQL tuple. */
export function spanTuple (s: SpanRecord): string {
  return spanTupleOf(s.executionId, s.spanId, s.traceId, s.parentSpanId, s.taskId, s.name, s.startTime, s.endTime, s.statusCode,
    s.statusMessage, jsonText(s.attributes ?? {}), jsonText(s.events))
}

/** A span's fields as a SQL tuple, its attributes and events as JSON text already. */
export function spanTupleOf (executionId: string | undefined, spanId: string | undefined, traceId: string | undefined,
  parentSpanId: string | undefined, taskId: string | undefined, name: string | undefined, start: number, end: number,
  statusCode: string | undefined, statusMessage: string | undefined, attributes: string | undefined, events: string | undefined): string {
  return '(' + sqlValue(executionId) + ',' + sqlValue(spanId) + ',' + sqlValue(traceId) + ',' +
    sqlValue(parentSpanId) + ',' + sqlValue(taskId) + ',' + sqlText(name, kTextLimits.name) + ',' +
    sqlTime(start) + ',' + sqlTime(end) + ',' + sqlValue(statusCode) + ',' + sqlText(statusMessage, kTextLimits.message) + ',' +
    sqlValue(attributes) + ',' + sqlValue(events) + ')'
}

/** A span row back to its record. */
export function spanFromRow (row: Row): SpanRecord {
  const span: SpanRecord = {
    traceId: row.trace_id as string,
    spanId: row.span_id as string,
    executionId: row.execution_id as string,
    name: readText(row.name)!,
    startTime: readTime(row.start_time)!,
    endTime: readTime(row.end_time)!,
    statusCode: row.status_code as SpanRecord['statusCode'],
    attributes: jsonValue(row.attributes) as SpanRecord['attributes']
  }
  if (row.parent_span_id !== null) span.parentSpanId = row.parent_span_id as string
  if (row.task_id !== null) span.taskId = row.task_id as string
  if (row.status_message !== null) span.statusMessage = readText(row.status_message)!
  if (row.events !== null) span.events = jsonValue(row.events) as SpanRecord['events']
  return span
}
