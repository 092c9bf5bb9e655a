/**
 * Free text on its way into MySQL columns: bounded to what the column (and any
 * max_allowed_packet of 1 MiB or more) can take, and stored reversibly when
 * utf8mb4 cannot hold it as it is.
 *
 * A JS string is UTF-16 and may hold a lone surrogate (half of a pair), which has
 * no UTF-8 form: the driver would send U+FFFD in its place and the text would come
 * back changed. Such a string is stored as U+FDD0 followed by its JSON form
 * (`JSON.stringify` writes a lone surrogate as `\udXXX`), and read back through
 * `JSON.parse`. U+FDD0 is a Unicode noncharacter, reserved for a program's internal
 * use, so ordinary text never starts with it; a string that does is escaped too,
 * which keeps the mapping one-to-one.
 */

/**
 * Most UTF-16 units kept per column. TEXT holds 65,535 bytes; the escaped form
 * takes at most 6 bytes a unit (`\udXXX`), hence 8,192 for codes. LONGTEXT
 * columns are bounded so that a row of bounded text stays well under 1 MiB.
 */
export const kTextLimits = Object.freeze({
  code: 8192,
  message: 65_536,
  stack: 65_536,
  name: 65_536,
  reason: 65_536
})

const kEscapeMark = 0xFDD0
const kSurrogate = /[\uD800-\uDFFF]/
const kLoneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** True when `s` has no lone surrogate (String#isWellFormed, ES2024). */
function isWellFormed (s: string): boolean {
  return !kSurrogate.test(s) || !kLoneSurrogate.test(s)
}

/**
 * `s` cut to `limit` UTF-16 units, with a marker that says how much was cut. A cut
 * never splits a surrogate pair.
 */
export function boundText (s: string, limit: number): string {
  if (s.length <= limit) return s
  const marker = (cut: number): string => `… [truncated by graph-task: ${cut} of ${s.length} characters not stored]`
  let keep = Math.max(0, limit - marker(s.length).length)
  const last = s.charCodeAt(keep - 1)
  if (last >= 0xD800 && last <= 0xDBFF) keep--
  return s.slice(0, keep) + marker(s.length - keep)
}

/** The stored form of `s`: itself, or U+FDD0 + JSON when utf8mb4 cannot hold it exactly. */
export function encodeText (s: string): string {
  if (s.charCodeAt(0) !== kEscapeMark && isWellFormed(s)) return s
  return String.fromCharCode(kEscapeMark) + JSON.stringify(s)
}

/** The string `encodeText` was given. */
function decodeText (stored: string): string {
  return stored.charCodeAt(0) === kEscapeMark ? JSON.parse(stored.slice(1)) as string : stored
}

/** A nullable text column read back: undefined for NULL. */
export function readText (value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : decodeText(String(value))
}
