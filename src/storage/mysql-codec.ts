/**
 * Records to SQL tuples and rows back to records, for MySQLStorage.
 *
 * Times: records hold epoch milliseconds with microsecond precision (three
 * decimals). They are stored as DATETIME(6) in UTC and rebuilt from integer
 * microseconds, never through a JS Date (which keeps milliseconds only), so that
 * `t === read(write(t))` for every time the engine produces: both sides compute
 * `micros / 1000` from the same integer.
 *
 * Tuples are escaped here rather than by the driver's `VALUES ?` expansion, so
 * that the storage knows the byte size of each row before it sends it, splits a
 * batch at `max_allowed_packet` and refuses the single row that cannot fit.
 */
import type { ExecutionRecord, LogEntry, LogLevel, SpanRecord, TaskRecord } from '../types.js'
import { LOG_LEVEL_VALUES } from '../types.js'

type Row = Record<string, unknown>

// --- times ---------------------------------------------------------------

let lastSecond = NaN
let lastPrefix = ''

/** Epoch ms (µs precision) as a quoted DATETIME(6) literal in UTC; NULL when absent or not finite. */
export function sqlTime (ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'NULL'
  return `'${sqlDatetime(ms)}'`
}

/** Epoch ms (µs precision) as `YYYY-MM-DD HH:MM:SS.ffffff` in UTC. */
export function sqlDatetime (ms: number): string {
  const micros = Math.round(ms * 1000)
  const second = Math.floor(micros / 1e6)
  // Spans and logs of one batch mostly share their second: format it once.
  if (second !== lastSecond) {
    lastPrefix = new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ')
    lastSecond = second
  }
  return `${lastPrefix}.${String(micros - second * 1e6).padStart(6, '0')}`
}

/** A DATETIME(6) string read with `dateStrings` back to epoch ms; undefined for NULL. */
export function readTime (value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined
  const s = String(value)
  const wholeMs = Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10)),
    Number(s.slice(11, 13)), Number(s.slice(14, 16)), Number(s.slice(17, 19)))
  const micros = s.length > 20 ? Number(s.slice(20).padEnd(6, '0')) : 0
  // The same division that made the time (scheduler's now()), so the double is identical.
  return (wholeMs * 1000 + micros) / 1000
}

// --- values --------------------------------------------------------------

// Inside '...' with the session's sql_mode (backslash escapes on, ANSI_QUOTES off, set on
// every connection by MySQLStorage) only ' and \ must be escaped; NUL, CR, LF and ^Z are
// escaped too so that a statement stays printable. A " needs nothing, which is most of
// what JSON holds: the driver's escaper, which escapes it, costs twice as much per span.
const kNeedsEscape = /[\0\n\r\x1a'\\]/
const kEscapeAll = /[\0\n\r\x1a'\\]/g
const kEscapes: Readonly<Record<string, string>> = { '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', "'": "\\'", '\\': '\\\\' }
const escapeChar = (c: string): string => kEscapes[c]

/** A string as a quoted SQL literal, for a utf8mb4 connection in the session sql_mode above. */
export function sqlString (s: string): string {
  return kNeedsEscape.test(s) ? "'" + s.replace(kEscapeAll, escapeChar) + "'" : "'" + s + "'"
}

/** A SQL literal. Non-finite numbers become NULL rather than a syntax error that would be retried forever. */
export function sqlValue (value: unknown): string {
  switch (typeof value) {
    case 'number': return Number.isFinite(value) ? String(value) : 'NULL'
    case 'string': return sqlString(value)
    case 'boolean': return value ? '1' : '0'
    case 'undefined': return 'NULL'
    case 'object':
      if (value === null) return 'NULL'
      if (value instanceof Uint8Array) {
        return `X'${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}'`
      }
      return sqlString(jsonText(value) ?? 'null')
    default: return sqlString(String(value))
  }
}

/**
 * JSON of structured fields. A value JSON cannot write (a BigInt, a cycle) is
 * written as a string instead of failing the whole batch on every retry.
 */
export function jsonText (value: unknown): string | undefined {
  if (value === undefined) return undefined
  try {
    return JSON.stringify(value)
  } catch {
    const seen = new WeakSet<object>()
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString()
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]'
        seen.add(v)
      }
      return v
    })
  }
}

function jsonValue (text: unknown): unknown {
  return text === null || text === undefined ? undefined : JSON.parse(String(text))
}

/** Bytes of a BLOB column as a plain Uint8Array of its own (not a view into a driver packet). */
function bytes (value: unknown): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined
  return new Uint8Array(value as Uint8Array)
}

function bool (value: boolean | undefined): string {
  return value === undefined ? 'NULL' : value ? '1' : '0'
}

// --- executions ----------------------------------------------------------

export const kExecutionColumns = [
  'id', 'workflow_id', 'workflow_version', 'definition_hash', 'status', 'instance_id', 'input',
  'started_at', 'updated_at', 'ended_at', 'total_tasks', 'completed_tasks', 'failed_tasks',
  'error_code', 'error_message', 'error_retryable', 'error_stack', 'error_task_id', 'retry_of'
] as const

export function executionTuple (r: ExecutionRecord): string {
  const e = r.error
  return '(' + sqlValue(r.id) + ',' + sqlValue(r.workflowId) + ',' + sqlValue(r.workflowVersion) + ',' +
    sqlValue(r.definitionHash) + ',' + sqlValue(r.status) + ',' + sqlValue(r.instanceId) + ',' + sqlValue(r.input) + ',' +
    sqlTime(r.startedAt) + ',' + sqlTime(r.updatedAt) + ',' + sqlTime(r.endedAt) + ',' +
    sqlValue(r.totalTasks) + ',' + sqlValue(r.completedTasks) + ',' + sqlValue(r.failedTasks) + ',' +
    sqlValue(e?.code) + ',' + sqlValue(e?.message) + ',' + bool(e?.retryable) + ',' + sqlValue(e?.stack) + ',' +
    sqlValue(e?.taskId) + ',' + sqlValue(r.retryOf) + ')'
}

export function executionFromRow (row: Row): ExecutionRecord {
  const record: ExecutionRecord = {
    id: row.id as string,
    workflowId: row.workflow_id as string,
    workflowVersion: row.workflow_version as string,
    definitionHash: row.definition_hash as string,
    status: row.status as ExecutionRecord['status'],
    instanceId: row.instance_id as string,
    input: bytes(row.input) ?? new Uint8Array(0),
    startedAt: readTime(row.started_at)!,
    updatedAt: readTime(row.updated_at)!,
    totalTasks: row.total_tasks as number,
    completedTasks: row.completed_tasks as number,
    failedTasks: row.failed_tasks as number
  }
  const endedAt = readTime(row.ended_at)
  if (endedAt !== undefined) record.endedAt = endedAt
  if (row.error_code !== null) {
    const error: NonNullable<ExecutionRecord['error']> = { code: row.error_code as string, message: (row.error_message ?? '') as string }
    if (row.error_retryable !== null) error.retryable = row.error_retryable === 1
    if (row.error_stack !== null) error.stack = row.error_stack as string
    if (row.error_task_id !== null) error.taskId = row.error_task_id as string
    record.error = error
  }
  if (row.retry_of !== null) record.retryOf = row.retry_of as string
  return record
}

// --- task results --------------------------------------------------------

export const kTaskColumns = [
  'execution_id', 'task_id', 'name', 'status', 'attempts', 'started_at', 'ended_at', 'duration',
  'error_code', 'error_message', 'error_retryable', 'error_stack', 'output', 'reused_from'
] as const

export function taskTuple (r: TaskRecord): string {
  const e = r.error
  return '(' + sqlValue(r.executionId) + ',' + sqlValue(r.taskId) + ',' + sqlValue(r.name) + ',' + sqlValue(r.status) + ',' +
    sqlValue(r.attempts) + ',' + sqlTime(r.startedAt) + ',' + sqlTime(r.endedAt) + ',' + sqlValue(r.duration) + ',' +
    sqlValue(e?.code) + ',' + sqlValue(e?.message) + ',' + bool(e?.retryable) + ',' + sqlValue(e?.stack) + ',' +
    sqlValue(r.output) + ',' + sqlValue(r.reusedFrom) + ')'
}

export function taskFromRow (row: Row): TaskRecord {
  const record: TaskRecord = {
    executionId: row.execution_id as string,
    taskId: row.task_id as string,
    name: row.name as string,
    status: row.status as TaskRecord['status'],
    attempts: row.attempts as number
  }
  const startedAt = readTime(row.started_at)
  if (startedAt !== undefined) record.startedAt = startedAt
  const endedAt = readTime(row.ended_at)
  if (endedAt !== undefined) record.endedAt = endedAt
  if (row.duration !== null) record.duration = row.duration as number
  if (row.error_code !== null) {
    const error: NonNullable<TaskRecord['error']> = { code: row.error_code as string, message: (row.error_message ?? '') as string }
    if (row.error_retryable !== null) error.retryable = row.error_retryable === 1
    if (row.error_stack !== null) error.stack = row.error_stack as string
    record.error = error
  }
  const output = bytes(row.output)
  if (output !== undefined) record.output = output
  if (row.reused_from !== null) record.reusedFrom = row.reused_from as string
  return record
}

// --- logs ----------------------------------------------------------------

export const kLogColumns = [
  'execution_id', 'seq', 'task_id', 'attempt', 'time', 'level', 'level_value', 'message', 'data'
] as const

export function logTuple (e: LogEntry, seq: number): string {
  return '(' + sqlValue(e.executionId) + ',' + String(seq) + ',' + sqlValue(e.taskId) + ',' + sqlValue(e.attempt) + ',' +
    sqlTime(e.time) + ',' + sqlValue(e.level) + ',' + sqlValue(LOG_LEVEL_VALUES[e.level]) + ',' +
    sqlValue(e.message) + ',' + sqlValue(jsonText(e.data)) + ')'
}

export function logFromRow (row: Row): LogEntry {
  const entry: LogEntry = {
    executionId: row.execution_id as string,
    time: readTime(row.time)!,
    level: row.level as LogLevel,
    message: row.message as string
  }
  if (row.task_id !== null) entry.taskId = row.task_id as string
  if (row.attempt !== null) entry.attempt = row.attempt as number
  if (row.data !== null) entry.data = jsonValue(row.data) as Record<string, unknown>
  return entry
}

// --- spans ---------------------------------------------------------------

export const kSpanColumns = [
  'execution_id', 'span_id', 'trace_id', 'parent_span_id', 'task_id', 'name', 'start_time', 'end_time',
  'status_code', 'status_message', 'attributes', 'events'
] as const

export function spanTuple (s: SpanRecord): string {
  return '(' + sqlValue(s.executionId) + ',' + sqlValue(s.spanId) + ',' + sqlValue(s.traceId) + ',' +
    sqlValue(s.parentSpanId) + ',' + sqlValue(s.taskId) + ',' + sqlValue(s.name) + ',' +
    sqlTime(s.startTime) + ',' + sqlTime(s.endTime) + ',' + sqlValue(s.statusCode) + ',' + sqlValue(s.statusMessage) + ',' +
    sqlValue(jsonText(s.attributes ?? {})) + ',' + sqlValue(jsonText(s.events)) + ')'
}

export function spanFromRow (row: Row): SpanRecord {
  const span: SpanRecord = {
    traceId: row.trace_id as string,
    spanId: row.span_id as string,
    executionId: row.execution_id as string,
    name: row.name as string,
    startTime: readTime(row.start_time)!,
    endTime: readTime(row.end_time)!,
    statusCode: row.status_code as SpanRecord['statusCode'],
    attributes: jsonValue(row.attributes) as SpanRecord['attributes']
  }
  if (row.parent_span_id !== null) span.parentSpanId = row.parent_span_id as string
  if (row.task_id !== null) span.taskId = row.task_id as string
  if (row.status_message !== null) span.statusMessage = row.status_message as string
  if (row.events !== null) span.events = jsonValue(row.events) as SpanRecord['events']
  return span
}
