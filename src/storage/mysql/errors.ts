import { ErrorCodes, StorageError } from '../../errors.js'

/** One record of a batch that the storage refused for good, by its index in the batch. */
export interface RejectedRecord {
  index: number
  /** RECORD_TOO_LARGE, or STORAGE_ERROR for a value the server refuses (too long for its column, ...). */
  code: string
  reason: string
}

/**
 * The batch was written except the records in `rejected`, which can never be:
 * retrying them would block the writer forever, so the recorder drops and reports them.
 */
type RejectionError = StorageError & { rejected: readonly RejectedRecord[] }

/** The error of a write that stored all but `rejected`; the recorder sets those aside. */
export function rejectionError (rejected: RejectedRecord[], total: number): RejectionError {
  const code = rejected.some(r => r.code === ErrorCodes.RECORD_TOO_LARGE) ? ErrorCodes.RECORD_TOO_LARGE : ErrorCodes.STORAGE_ERROR
  const first = rejected[0]
  const message = `${rejected.length} of ${total} records could not be stored and were skipped; the others were written. ` +
    `First: record #${first.index}: ${first.reason}`
  return Object.assign(new StorageError(code, message), { rejected })
}

// Errors of the connection rather than of the statement: worth retrying once the server is back.
const kUnavailableCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_TOO_MANY_USER_CONNECTIONS'
])

/**
 * Server errors about one row's values (strict mode): data too long (1406), incorrect
 * value (1366, 1292, 1367), out of range (1264, 1690), truncated (1265), NULL in a NOT
 * NULL column (1048), invalid character string (1300), row size too large (1118),
 * invalid JSON (3140), CHECK failed (4025 MariaDB, 3819 MySQL), a foreign key (1452).
 * The row will never be accepted; the others of its batch can be. Errors about the
 * schema or the server (a missing table, a read-only server, a full disk) are not
 * here: they are retried, not blamed on the rows.
 */
const kRowDataErrnos: ReadonlySet<number> = new Set([1048, 1118, 1264, 1265, 1292, 1300, 1366, 1367, 1406, 1452, 1690, 3140, 3819, 4025])

interface DriverError { code?: string, errno?: number, fatal?: boolean, message?: string, sqlMessage?: string }

/** True for trouble with the connection or the server (worth retrying), not with the statement. */
function isUnavailable (err: unknown): boolean {
  const e = err as DriverError | null
  if (e === null || typeof e !== 'object') return false
  if (e instanceof StorageError) return e.code === ErrorCodes.STORAGE_UNAVAILABLE
  return e.fatal === true || (e.code !== undefined && kUnavailableCodes.has(e.code))
}

/** True for a server error about one row's values (kRowDataErrnos). */
export function isRowDataError (err: unknown): boolean {
  const errno = (err as DriverError | null)?.errno
  return typeof errno === 'number' && kRowDataErrnos.has(errno)
}

/** How to reach a server, for the message of an unreachable one. */
const kStartHint = 'start a MySQL or MariaDB server there, ' +
  'or point the storage at one (the uri option; --mysql or GRAPH_TASK_MYSQL_URL for the graph-task command)'

/**
 * The driver's error as a StorageError: STORAGE_UNAVAILABLE for connection trouble
 * (the recorder retries), STORAGE_ERROR otherwise; `cause` keeps the driver's error.
 */
export function toStorageError (err: unknown, what: string, target: string): StorageError {
  if (err instanceof StorageError) return err
  const e = (err ?? {}) as DriverError
  const detail = e.sqlMessage ?? e.message ?? String(err)
  const code = e.code === undefined ? '' : ` (${e.code})`
  if (e.errno === 1049) {
    return new StorageError(ErrorCodes.STORAGE_ERROR, `${what}: ${detail} on MySQL at ${target}; create it first (CREATE DATABASE ... CHARACTER SET utf8mb4)`, { cause: err })
  }
  if (e.errno === 1045) {
    return new StorageError(ErrorCodes.STORAGE_ERROR, `${what}: MySQL at ${target} refused the credentials: ${detail}`, { cause: err })
  }
  if (isUnavailable(err)) {
    return new StorageError(ErrorCodes.STORAGE_UNAVAILABLE, `${what}: MySQL at ${target} is unreachable${code}: ${detail}. If no server runs there, ${kStartHint}`, { cause: err })
  }
  return new StorageError(ErrorCodes.STORAGE_ERROR, `${what}: MySQL at ${target} failed${code}: ${detail}`, { cause: err })
}
