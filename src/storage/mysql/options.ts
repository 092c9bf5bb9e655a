import { constants } from 'node:buffer'
import { InvalidOptionsError } from '../../errors.js'
import { resolveRetention, type ResolvedRetention, type RetentionOptions } from '../retention-options.js'
import { rejectUnknownKeys } from '../../option-keys.js'

/** Options of `new MySQLStorage()`. Give either `uri` or the separate connection fields. */
export interface MySQLStorageOptions {
  /**
   * `mysql://user:password@host:port/database` (or `mariadb://`). User and password are
   * percent-decoded. Query parameters `tablePrefix` and `connectionLimit` are accepted.
   * Exclusive with `host`, `port`, `user`, `password` and `database`.
   */
  uri?: string
  /** @default '127.0.0.1' */
  host?: string
  /** @default 3306 */
  port?: number
  /** @default 'root' */
  user?: string
  /** @default '' */
  password?: string
  /** The database (schema) holding the tables. Required, here or in `uri`. */
  database?: string
  /**
   * Prepended to every table name, so that several deployments can share one database.
   * An identifier: a letter or `_`, then up to 32 letters, digits or `_`.
   * @default 'gt_'
   */
  tablePrefix?: string
  /**
   * Connections of the writer's pool: the recorder's transactions of records on one,
   * spans and logs on the others (as many batches in flight as the tracer's
   * `concurrency`, and at least `connectionLimit - 1`).
   * @default 4
   */
  connectionLimit?: number
  /**
   * Connections of a second pool for reads and control statements (claims, heartbeats,
   * the scan for dead instances), so that none of them waits behind the writer's backlog.
   * @default 2
   */
  readConnectionLimit?: number
  /**
   * Deadline of a read or a control statement, in ms, from the call to its answer
   * (connecting included): past it the call rejects with STORAGE_UNAVAILABLE instead of
   * waiting for a server that does not answer. Also bounds `removeInstance()`.
   * @default 5000
   */
  readTimeout?: number
  /**
   * Largest execution input accepted, in bytes: an execution whose input exceeds it is
   * refused before it runs (the recorder's `checkValueSize`). Values too large for a row
   * are stored in parts (a side table), so the default is what one Buffer can hold when
   * it is read back. Task outputs are kept whatever their size.
   * @default buffer.constants.MAX_LENGTH
   */
  maxValueBytes?: number
  /**
   * Time to establish a connection, in ms.
   * @default 10000
   */
  connectTimeout?: number
  /**
   * A statement that has not answered after this many ms is abandoned: its connection is
   * destroyed and the call rejects with STORAGE_UNAVAILABLE, so that a server that hangs
   * (rather than refuses) cannot stall the tracer or `close()` forever.
   * @default 60000
   */
  queryTimeout?: number
  /**
   * Apply pending migrations in `init()`. When false, `init()` only checks that the schema
   * is at the version this code expects (run `migrate()` or `graph-task db migrate` first).
   * @default true
   */
  autoMigrate?: boolean
  /**
   * Opens the history for reading only, as the CLI's `executions`, `show`, `stats` and
   * `db stats` and a console without an engine do: `init()` checks the schema and never
   * migrates, every write method rejects, and each session is `READ ONLY` so that the
   * server refuses a write too. A database not migrated is an error naming
   * `graph-task db migrate`; nothing is created. Not for an engine's storage.
   * @default false
   */
  readOnly?: boolean
  /**
   * How long history is kept: `{ executions: '30d', logs: '7d', spans: '7d' }`, applied
   * in the background by one instance at a time (see RetentionOptions).
   * @default undefined (nothing is removed but by `purge()`)
   */
  retention?: RetentionOptions
}

/** Every option filled in and checked. */
export interface ResolvedMySQLOptions {
  host: string
  port: number
  user: string
  password: string
  database: string
  tablePrefix: string
  connectionLimit: number
  readConnectionLimit: number
  readTimeout: number
  maxValueBytes: number
  connectTimeout: number
  queryTimeout: number
  autoMigrate: boolean
  readOnly: boolean
  retention: ResolvedRetention | undefined
}

const kDefaults = Object.freeze({
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  password: '',
  tablePrefix: 'gt_',
  connectionLimit: 4,
  readConnectionLimit: 2,
  readTimeout: 5000,
  maxValueBytes: constants.MAX_LENGTH,
  connectTimeout: 10_000,
  queryTimeout: 60_000,
  autoMigrate: true,
  readOnly: false
})

const kPrefixPattern = /^[A-Za-z_][A-Za-z0-9_]{0,32}$/
const kConnectionFields = ['host', 'port', 'user', 'password', 'database'] as const
const kKnownOptions = new Set(['uri', ...kConnectionFields, ...Object.keys(kDefaults), 'retention'])
const kUriParams = new Set(['tablePrefix', 'connectionLimit'])

/**
 * Fills in defaults and checks every field.
 * @throws {InvalidOptionsError} naming the option and the rule; never echoes a password
 */
export function resolveMySQLOptions (input: MySQLStorageOptions | string): ResolvedMySQLOptions {
  const options: MySQLStorageOptions = typeof input === 'string' ? { uri: input } : input
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('MySQLStorage options must be an object or a mysql:// URI string')
  }
  rejectUnknownKeys(options, kKnownOptions, 'new MySQLStorage()')
  let fromUri: Partial<ResolvedMySQLOptions> = {}
  if (options.uri !== undefined) {
    const both = kConnectionFields.filter(k => options[k] !== undefined)
    if (both.length > 0) {
      throw new InvalidOptionsError(`MySQLStorage: give either uri or ${both.join(', ')}, not both`)
    }
    fromUri = parseMySQLUri(options.uri)
  }
  const { uri: _uri, ...rest } = options
  const resolved: ResolvedMySQLOptions = { database: '', ...kDefaults, ...definedOnly(fromUri), ...definedOnly(rest), retention: undefined }
  validate(resolved)
  resolved.retention = resolveRetention(options.retention)
  if (resolved.readOnly && resolved.retention !== undefined) {
    throw new InvalidOptionsError('MySQLStorage: retention removes history, which a readOnly storage never does: give one or the other')
  }
  return resolved
}

function definedOnly<T extends object> (o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}

function validate (o: ResolvedMySQLOptions): void {
  if (typeof o.host !== 'string' || o.host.length === 0) throw new InvalidOptionsError('MySQLStorage: host must be a non-empty string')
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) {
    throw new InvalidOptionsError(`MySQLStorage: port must be an integer from 1 to 65535; got ${String(o.port)}`)
  }
  if (typeof o.user !== 'string' || o.user.length === 0) throw new InvalidOptionsError('MySQLStorage: user must be a non-empty string')
  if (typeof o.password !== 'string') throw new InvalidOptionsError('MySQLStorage: password must be a string')
  if (typeof o.database !== 'string' || o.database.length === 0) {
    throw new InvalidOptionsError('MySQLStorage: database is required (the `database` option, or the path of the uri: mysql://host/database)')
  }
  if (o.database.length > 64 || o.database.includes('\0')) {
    throw new InvalidOptionsError('MySQLStorage: database must be a MySQL schema name of at most 64 characters')
  }
  if (typeof o.tablePrefix !== 'string' || !kPrefixPattern.test(o.tablePrefix)) {
    throw new InvalidOptionsError(`MySQLStorage: tablePrefix must be an identifier (a letter or _, then up to 32 letters, digits or _); got ${JSON.stringify(o.tablePrefix)}`)
  }
  for (const key of ['connectionLimit', 'readConnectionLimit', 'connectTimeout', 'queryTimeout', 'readTimeout', 'maxValueBytes'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new InvalidOptionsError(`MySQLStorage: ${key} must be a positive integer`)
  }
  if (typeof o.autoMigrate !== 'boolean') throw new InvalidOptionsError('MySQLStorage: autoMigrate must be a boolean')
  if (typeof o.readOnly !== 'boolean') throw new InvalidOptionsError('MySQLStorage: readOnly must be a boolean')
}

/**
 * Reads `mysql://user:password@host:port/database?tablePrefix=x`.
 * @throws {InvalidOptionsError} naming what is wrong with the URI (its password masked)
 */
function parseMySQLUri (uri: unknown): Partial<ResolvedMySQLOptions> {
  if (typeof uri !== 'string' || uri.length === 0) throw new InvalidOptionsError('MySQLStorage: uri must be a non-empty string')
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    throw new InvalidOptionsError(`MySQLStorage: uri ${JSON.stringify(maskPassword(uri))} is not a valid URL; expected mysql://user:password@host:port/database`)
  }
  const shown = JSON.stringify(maskPassword(uri))
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new InvalidOptionsError(`MySQLStorage: uri ${shown} must start with mysql:// (got ${url.protocol}//)`)
  }
  if (url.hostname.length === 0) throw new InvalidOptionsError(`MySQLStorage: uri ${shown} has no host`)
  const out: Partial<ResolvedMySQLOptions> = { host: url.hostname.replace(/^\[(.*)\]$/, '$1') }
  if (url.port !== '') out.port = Number(url.port)
  try {
    if (url.username !== '') out.user = decodeURIComponent(url.username)
    if (url.password !== '') out.password = decodeURIComponent(url.password)
    const path = decodeURIComponent(url.pathname.replace(/^\//, ''))
    if (path.includes('/')) throw new InvalidOptionsError(`MySQLStorage: uri ${shown} has a path of several segments; expected /database`)
    if (path !== '') out.database = path
  } catch (err) {
    if (err instanceof InvalidOptionsError) throw err
    throw new InvalidOptionsError(`MySQLStorage: uri ${shown} has a malformed percent-encoding`)
  }
  for (const [key, value] of url.searchParams) {
    if (!kUriParams.has(key)) {
      throw new InvalidOptionsError(`MySQLStorage: uri ${shown} has an unknown parameter "${key}" (known: ${[...kUriParams].join(', ')})`)
    }
    if (key === 'tablePrefix') out.tablePrefix = value
    else out.connectionLimit = /^\d+$/.test(value) ? Number(value) : NaN
  }
  return out
}

/** The URI with its password replaced, for messages and logs. */
function maskPassword (uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@')
}
