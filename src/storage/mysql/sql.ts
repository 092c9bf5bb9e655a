/**
 * SQL literals and the values read back, for MySQLStorage's codecs.
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
import { boundText, encodeText } from './text.js'
import { countCopy, kLargeValue } from '../../copy-count.js'

/** A row as the driver returns it. */
export type Row = Record<string, unknown>

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
function sqlString (s: string): string {
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
        // Large values go in parts as binary parameters (mysql-blobs.ts): count any that would not.
        if (value.byteLength >= kLargeValue) countCopy(value.byteLength)
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

/** A JSON column read back; undefined for NULL. */
export function jsonValue (text: unknown): unknown {
  return text === null || text === undefined ? undefined : JSON.parse(String(text))
}

/** Bytes of a BLOB column as a plain Uint8Array of its own (not a view into a driver packet). */
export function bytes (value: unknown): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined
  return new Uint8Array(value as Uint8Array)
}

/** A nullable boolean as 1, 0 or NULL. */
export function bool (value: boolean | undefined): string {
  return value === undefined ? 'NULL' : value ? '1' : '0'
}

/**
 * Free text as a SQL literal: cut to `limit` with a marker, and escaped when utf8mb4
 * cannot hold it exactly (see mysql-text); NULL when absent.
 */
export function sqlText (value: string | undefined, limit: number): string {
  return value === undefined || value === null ? 'NULL' : sqlString(encodeText(boundText(String(value), limit)))
}
