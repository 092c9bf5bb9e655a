/**
 * Checking what a request carries: query parameters and JSON bodies, each refused
 * with a typed 400 that names the parameter and the rule, and the action token.
 */
import type { IncomingMessage } from 'node:http'
import { timingSafeEqual, createHash } from 'node:crypto'
import { ErrorCodes } from '../errors.js'
import { ConsoleRequestError } from './console-error.js'
import { closestKey } from '../option-keys.js'

const kMaxBody = 16 * 1024
// The last ms of year 9999: the latest time a DATETIME column holds, and so a query can name.
const kMaxTime = 253_402_300_799_999
const kIsoDate = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/

export function badRequest (message: string): ConsoleRequestError {
  return new ConsoleRequestError(ErrorCodes.BAD_REQUEST, message)
}

/** The query's parameters, refusing any outside `known` and repeated ones. */
export function queryParams (url: URL, known: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of url.searchParams) {
    if (!known.includes(key)) {
      const near = closestKey(key, known)
      throw badRequest(`unknown query parameter '${key}'` + (near !== undefined ? `; did you mean '${near}'?` : known.length > 0 ? `; known: ${known.join(', ')}` : ''))
    }
    if (out.has(key)) throw badRequest(`query parameter '${key}' given twice`)
    out.set(key, value)
  }
  return out
}

/** An integer parameter in [min, max]; `fallback` when absent. */
export function intParam (params: Map<string, string>, name: string, fallback: number, min: number, max: number): number {
  const text = params.get(name)
  if (text === undefined) return fallback
  const n = Number(text)
  if (text === '' || !Number.isInteger(n) || n < min || n > max) throw badRequest(`${name} must be an integer from ${min} to ${max}, got '${text}'`)
  return n
}

/** A time parameter: epoch ms or an ISO 8601 date. */
export function timeParam (params: Map<string, string>, name: string): number | undefined {
  const text = params.get(name)
  if (text === undefined) return undefined
  // ISO 8601 only: Date.parse alone takes whatever V8's legacy parser makes of a string ('-5' is May 2001).
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : kIsoDate.test(text) ? Date.parse(text) : NaN
  if (!Number.isFinite(n) || n < 0 || n > kMaxTime) throw badRequest(`${name} must be a time from 1970 to 9999, in epoch ms or ISO 8601, got '${text}'`)
  return n
}

/** A comma-separated list whose items are all in `allowed`. */
export function listParam<T extends string> (params: Map<string, string>, name: string, allowed: readonly T[]): T[] | undefined {
  const text = params.get(name)
  if (text === undefined) return undefined
  const items = text.split(',')
  for (const item of items) {
    if (!allowed.includes(item as T)) throw badRequest(`${name} must be one of ${allowed.join(', ')} (comma-separated), got '${item}'`)
  }
  return items as T[]
}

/** An id-like parameter: printable, at most `max` characters. */
export function textParam (params: Map<string, string>, name: string, max = 128): string | undefined {
  const text = params.get(name)
  if (text === undefined) return undefined
  if (text === '' || text.length > max) throw badRequest(`${name} must be 1 to ${max} characters`)
  return text
}

/** The JSON object of a POST body (empty body: `{}`), with only `known` keys. */
export async function jsonBody (req: IncomingMessage, known: readonly string[]): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > kMaxBody) throw badRequest(`the body is larger than ${kMaxBody} bytes`)
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return {}
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw badRequest(`the body is not JSON: ${(err as Error).message}`)
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a JSON object')
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) throw badRequest(`unknown field '${key}' in the body; known: ${known.join(', ') || 'none'}`)
  }
  return body as Record<string, unknown>
}

/**
 * Refuses an action unless the console allows actions and the request carries its token
 * as `Authorization: Bearer <token>`. Compared in constant time (over hashes, so that
 * lengths do not leak either).
 * @throws {ConsoleRequestError} 403 FORBIDDEN (read-only, or no token configured), 401 UNAUTHORIZED
 */
export function checkToken (req: IncomingMessage, token: string | undefined, readOnly: boolean): void {
  if (readOnly) throw new ConsoleRequestError(ErrorCodes.FORBIDDEN, 'this console is read-only')
  if (token === undefined) {
    throw new ConsoleRequestError(ErrorCodes.FORBIDDEN, 'actions are disabled: start the console with a token (--token or GRAPH_TASK_CONSOLE_TOKEN)')
  }
  const header = req.headers.authorization
  const given = header?.startsWith('Bearer ') === true ? header.slice(7) : undefined
  if (given === undefined) throw new ConsoleRequestError(ErrorCodes.UNAUTHORIZED, 'this action needs the console token: Authorization: Bearer <token>')
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(token).digest()
  if (!timingSafeEqual(a, b)) throw new ConsoleRequestError(ErrorCodes.UNAUTHORIZED, 'the console token is wrong')
}
