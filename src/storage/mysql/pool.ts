/**
 * Connections of one MySQLStorage: a mysql2 pool whose every connection runs in a
 * known session mode, whose statements cannot hang their caller, and whose close()
 * returns within a bound whatever the server does. MySQLStorage keeps two: one for
 * the recorder's writes, one for reads and control statements (claims, heartbeats),
 * so that a read never waits behind the writer's backlog.
 */
import mysql, { type Pool, type PoolConnection } from 'mysql2/promise'
import { ErrorCodes, StorageError } from '../../errors.js'
import type { ResolvedMySQLOptions } from './options.js'
import { toStorageError } from './errors.js'

/** Statements on one pooled connection (a session: GET_LOCK and the like hold across them). */
export interface Session {
  /** Runs one statement; resolves with its rows or its result header. */
  run (sql: string, params?: unknown[]): Promise<unknown>
  /**
   * Runs one prepared statement (binary protocol): Buffer parameters go to the
   * server as their bytes, with no hex or escaping on this thread.
   */
  execute (sql: string, params: unknown[]): Promise<unknown>
}

// Strict mode turns a value that does not fit its column into an error (which we can
// report) instead of silent truncation. Leaving out NO_BACKSLASH_ESCAPES and ANSI_QUOTES
// is what makes the escaping of mysql-codec right, whatever the server's global sql_mode.
const kSessionSetup = "SET SESSION time_zone = '+00:00', sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'"
// How long close() lets running statements finish before it destroys their connections,
// and how long it then waits for the sockets to go. close() returns within their sum.
const kCloseGrace = 2000
const kCloseAfterDestroy = 500

/** What differs between the writer's pool and the readers'. */
interface PoolLimits {
  connectionLimit: number
  connectTimeout: number
  /** Per statement, in ms. */
  queryTimeout: number
  /** Named in the message of a statement that timed out. */
  timeoutOption: string
  /** Every session is `READ ONLY`: the server itself refuses a write that the code would let through. */
  readOnly?: boolean
}

/** One mysql2 pool with the session setup, statement timeouts and bounded close of this storage. */
export class ConnectionPool {
  readonly #options: ResolvedMySQLOptions
  readonly #limits: PoolLimits
  readonly #target: string
  #pool: Pool | null = null
  #closed = false
  readonly #busy = new Set<PoolConnection>()
  // Calls of use() not yet settled, and what close() waits on until they are none.
  #lent = 0
  #whenIdle: (() => void) | null = null

  /** Connects on first use. */
  constructor (options: ResolvedMySQLOptions, limits: PoolLimits, target: string) {
    this.#options = options
    this.#limits = limits
    this.#target = target
  }

  /**
   * Lends `fn` one connection, released when it settles. Driver errors come out as
   * StorageErrors naming `what` and the server. When `signal` aborts (a caller's
   * deadline), the connection is destroyed, so that a statement still running
   * cannot hold it, and a connection obtained later is given back at once.
   * @throws {StorageError} STORAGE_UNAVAILABLE when the server cannot be reached, STORAGE_ERROR otherwise
   */
  async use<T> (what: string, fn: (session: Session) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#closed) {
      throw new StorageError(ErrorCodes.STORAGE_ERROR, `MySQL storage for ${this.#target}/${this.#options.database} is closed`)
    }
    this.#lent++
    try {
      return await this.#lend(what, fn, signal)
    } finally {
      if (--this.#lent === 0) this.#whenIdle?.()
    }
  }

  async #lend<T> (what: string, fn: (session: Session) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const pool = this.#pool ??= this.#create()
    let conn: PoolConnection
    try {
      conn = await pool.getConnection()
    } catch (err) {
      throw toStorageError(err, what, this.#target)
    }
    if (signal?.aborted === true) {
      conn.release()
      throw toStorageError(signal.reason, what, this.#target)
    }
    const onAbort = (): void => destroy(conn)
    signal?.addEventListener('abort', onAbort, { once: true })
    this.#busy.add(conn)
    try {
      return await fn({ run: (sql, params) => this.#run(conn, sql, params, false), execute: (sql, params) => this.#run(conn, sql, params, true) })
    } catch (err) {
      // The deadline's error, not the one of the destroyed connection.
      throw toStorageError(isAborted(signal) ? signal!.reason : err, what, this.#target)
    } finally {
      signal?.removeEventListener('abort', onAbort)
      this.#busy.delete(conn)
      conn.release()
    }
  }

  /**
   * Ends the pool: work already lent a connection (every statement of a `use`, a
   * whole transaction) gets a short grace, then every connection (also one still
   * connecting) is destroyed. Returns within about 2.5 s whatever the server does.
   * Idempotent.
   */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const pool = this.#pool
    this.#pool = null
    if (pool === null) return
    // The pool is ended once the work lent its connections is done, not before: pool.end()
    // lets the statement running finish but refuses the next one ("Can't add new command
    // when connection is in closed state"), which would cut a purge between the statements
    // of its transaction and report a healthy server as unreachable.
    const idle = this.#lent === 0 ? Promise.resolve() : new Promise<void>(resolve => { this.#whenIdle = resolve })
    const ended = settledWithin(idle, kCloseGrace).then(async () => { await pool.end() }).then(() => true, () => true)
    if (await settledWithin(ended, kCloseGrace)) return
    for (const conn of this.#busy) destroy(conn)
    // A graceful end sends QUIT and waits for the server's answer: one that hangs
    // would hold close() forever. Every connection left goes without it.
    const all = (pool as unknown as { pool?: { _allConnections?: { length: number, get (i: number): CoreConnection } } }).pool?._allConnections
    for (let i = 0; all !== undefined && i < all.length; i++) destroyCore(all.get(i))
    await settledWithin(ended, kCloseAfterDestroy)
  }

  #create (): Pool {
    const o = this.#options
    const pool = mysql.createPool({
      host: o.host,
      port: o.port,
      user: o.user,
      password: o.password,
      database: o.database,
      connectionLimit: this.#limits.connectionLimit,
      maxIdle: this.#limits.connectionLimit,
      connectTimeout: this.#limits.connectTimeout,
      charset: 'UTF8MB4_BIN',
      // DATETIME(6) as strings, converted by hand: a JS Date would drop the microseconds.
      dateStrings: true,
      timezone: 'Z',
      supportBigNumbers: true,
      // A stack trace captured per query costs more than the INSERT's escaping.
      trace: false,
      // The driver scans every statement for `?` placeholders, even one without values:
      // for our pre-escaped INSERTs that scan cost more than building them.
      queryFormat: (sql: string, values: unknown) =>
        values === undefined || (Array.isArray(values) && values.length === 0)
          ? sql
          : mysql.format(sql, values as Parameters<typeof mysql.format>[1], false, 'Z'),
      enableKeepAlive: true
    })
    // Runs before anything else on the connection. The escaping in mysql-codec is only
    // right under this sql_mode, so a connection whose setup failed is never used.
    pool.pool.on('connection', conn => {
      conn.query(kSessionSetup, (err: unknown) => { if (err !== null && err !== undefined) destroyCore(conn) })
      if (this.#limits.readOnly) conn.query('SET SESSION TRANSACTION READ ONLY', (err: unknown) => { if (err !== null && err !== undefined) destroyCore(conn) })
    })
    return pool
  }

  // Abandoned after queryTimeout, its connection destroyed: a server that hangs (rather
  // than refuses) must not hold the tracer or close() forever.
  #run (conn: PoolConnection, sql: string, params: unknown[] | undefined, prepared: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const { queryTimeout, timeoutOption } = this.#limits
      const timer = setTimeout(() => {
        destroy(conn)
        reject(new StorageError(ErrorCodes.STORAGE_UNAVAILABLE,
          `MySQL at ${this.#target} did not answer within ${timeoutOption} (${queryTimeout} ms); the connection was dropped`))
      }, queryTimeout)
      ;(prepared ? conn.execute(sql, params as never) : conn.query(sql, params)).then(([rows]) => {
        clearTimeout(timer)
        resolve(rows)
      }, (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      })
    })
  }
}

/**
 * Runs `work` and rejects with STORAGE_UNAVAILABLE once `ms` have passed, aborting the
 * signal it was given (ConnectionPool.use then destroys the connection it lent).
 * @param what names the call and the server in the message
 */
export async function withDeadline<T> (ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const err = new StorageError(ErrorCodes.STORAGE_UNAVAILABLE, `${what} did not answer within readTimeout (${ms} ms)`)
      controller.abort(err)
      reject(err)
    }, ms)
  })
  try {
    return await Promise.race([work(controller.signal), expired])
  } finally {
    clearTimeout(timer)
  }
}

function isAborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

function settledWithin (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>(resolve => { timer = setTimeout(resolve, ms, false) })
  ]).finally(() => clearTimeout(timer))
}

function destroy (conn: PoolConnection): void {
  destroyCore((conn as unknown as { connection: CoreConnection }).connection)
}

interface CoreConnection { destroy (): void, stream?: { destroy (): void } }

// destroy() takes the connection out of the pool; the socket is destroyed too, since a
// graceful end would wait for a server that does not answer, and commands queued on it fail.
function destroyCore (core: CoreConnection): void {
  core.destroy()
  core.stream?.destroy()
}
