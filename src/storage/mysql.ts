/**
 * Execution history in MySQL 8 or MariaDB 10.11, shared by every engine instance
 * that points at the same database.
 *
 *   Recorder (fastq, one batch at a time)          MySQLStorage                     server
 *   writeSpans([...512]) ────────────────▶ escape rows, split at max_allowed_packet ─▶ INSERT ... VALUES (..),(..)
 *                                           refuse the one row that cannot fit        ON DUPLICATE KEY UPDATE
 *
 * Every write is idempotent, so the recorder can retry a batch whose reply was
 * lost without duplicating rows: executions and task results are upserts, spans
 * are keyed by span id, and log lines by a sequence number that this storage
 * gives each entry the first time it sees it and keeps for the retries.
 */
import mysql, { type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise'
import type { ExecutionStorage } from './storage.js'
import type { ExecutionQuery, ExecutionRecord, LogEntry, LogQuery, SpanRecord, TaskRecord } from '../types.js'
import { LOG_LEVEL_VALUES } from '../types.js'
import { ErrorCodes, InvalidOptionsError, StorageError } from '../errors.js'
import { resolveMySQLOptions, type MySQLStorageOptions, type ResolvedMySQLOptions } from './mysql-options.js'
import { checkSchema, runMigrations, type MigrationResult } from './mysql-migrate.js'
import {
  executionFromRow, executionTuple, logFromRow, logTuple, sqlDatetime, spanFromRow, spanTuple, taskFromRow, taskTuple
} from './mysql-codec.js'
import { isRowDataError, rejectionError, toStorageError, type RejectedRecord } from './mysql-errors.js'
import { packRows, type InsertSql, type Statement } from './mysql-batch.js'
import { statements, type Statements } from './mysql-statements.js'

export type { MySQLStorageOptions } from './mysql-options.js'
export type { MigrationResult } from './mysql-migrate.js'

// Strict mode turns a value that does not fit its column into an error (which we can
// report) instead of silent truncation; backslash escapes and ` quoting are what the
// driver's escaping assumes, whatever the server's global sql_mode says.
const kSessionSetup = "SET SESSION time_zone = '+00:00', " +
  "sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'"

/**
 * Storage on MySQL (mysql2, a connection pool). Connects on first use; `init()`
 * connects and applies pending migrations.
 *
 * ```ts
 * const engine = new Engine({ storage: new MySQLStorage('mysql://root@127.0.0.1:3306/graph_task') })
 * ```
 */
export class MySQLStorage implements ExecutionStorage {
  readonly kind = 'mysql'
  readonly #options: ResolvedMySQLOptions
  readonly #target: string
  readonly #sql: Statements
  #pool: Pool | null = null
  #ready: Promise<void> | null = null
  #closed = false
  #maxPacket = 16 * 1024 * 1024
  readonly #busy = new Set<PoolConnection>()
  // Sequence numbers of log entries already sent once, so that a retry re-sends the same keys.
  readonly #logSeqs = new WeakMap<LogEntry, number>()
  #lastSeq = 0

  /**
   * @param options a `mysql://` URI or the connection options
   * @throws {InvalidOptionsError} naming the option (a malformed URI, a bad tablePrefix, ...)
   */
  constructor (options: MySQLStorageOptions | string) {
    this.#options = resolveMySQLOptions(options)
    const { host, port, tablePrefix: p } = this.#options
    this.#target = `${host.includes(':') ? `[${host}]` : host}:${port}`
    this.#sql = statements({ executions: `\`${p}executions\``, tasks: `\`${p}task_results\``, logs: `\`${p}logs\``, spans: `\`${p}spans\`` })
  }

  /** `host:port` of the server, for messages. */
  get target (): string {
    return this.#target
  }

  /** The database (schema) holding the tables. */
  get database (): string {
    return this.#options.database
  }

  /** Prepended to every table name. */
  get tablePrefix (): string {
    return this.#options.tablePrefix
  }

  /** The server's `max_allowed_packet` in bytes, read by `init()`. */
  get maxAllowedPacket (): number {
    return this.#maxPacket
  }

  /**
   * Connects, reads the server's limits and applies pending migrations (or, with
   * `autoMigrate: false`, checks the schema). Idempotent; a failed init is tried
   * again by the next call.
   * @throws {StorageError} STORAGE_UNAVAILABLE (no server at host:port), SCHEMA_TOO_NEW, STORAGE_ERROR
   */
  init (): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError())
    if (this.#ready === null) {
      const ready = this.#ready = this.#connect()
      ready.catch(() => { if (this.#ready === ready) this.#ready = null })
    }
    return this.#ready
  }

  /**
   * Applies the migrations this database lacks, under a lock that makes
   * concurrent calls from several instances safe.
   * @throws {StorageError} SCHEMA_TOO_NEW when the database was migrated by a newer release
   */
  async migrate (): Promise<MigrationResult> {
    return this.#withConnection('migrate', conn => this.#migrate(conn))
  }

  #migrate (conn: PoolConnection): Promise<MigrationResult> {
    const { database, tablePrefix, queryTimeout } = this.#options
    // Wait for another instance's migration, but answer within queryTimeout.
    const lockWait = Math.max(1, Math.min(60, Math.floor(queryTimeout / 1000) - 1))
    return runMigrations((sql, params) => this.#run(conn, sql, params), database, tablePrefix, lockWait)
  }

  async #connect (): Promise<void> {
    await this.#withConnection('connect', async conn => {
      const [row] = await this.#run(conn, 'SELECT @@max_allowed_packet AS packet') as RowDataPacket[]
      this.#maxPacket = Number(row.packet)
      const { database, tablePrefix, autoMigrate } = this.#options
      if (autoMigrate) await this.#migrate(conn)
      else await checkSchema((sql, params) => this.#run(conn, sql, params), database, tablePrefix)
    })
  }

  #createPool (): Pool {
    const o = this.#options
    const pool = mysql.createPool({
      host: o.host,
      port: o.port,
      user: o.user,
      password: o.password,
      database: o.database,
      connectionLimit: o.connectionLimit,
      maxIdle: o.connectionLimit,
      connectTimeout: o.connectTimeout,
      charset: 'UTF8MB4_BIN',
      // DATETIME(6) as strings, converted by hand: a JS Date would drop the microseconds.
      dateStrings: true,
      timezone: 'Z',
      supportBigNumbers: true,
      // A stack trace captured per query costs more than the INSERT's escaping.
      trace: false,
      enableKeepAlive: true
    })
    pool.pool.on('connection', conn => { conn.query(kSessionSetup, () => {}) })
    return pool
  }

  /** Upserts executions by id, in as few statements as max_allowed_packet allows. @throws {StorageError} */
  async writeExecutions (records: readonly ExecutionRecord[]): Promise<void> {
    if (records.length === 0) return
    await this.#write('executions', this.#sql.upsertExecutions, records.length, i => executionTuple(records[i]))
  }

  /** Upserts task results by (executionId, taskId). @throws {StorageError} */
  async writeTaskResults (records: readonly TaskRecord[]): Promise<void> {
    if (records.length === 0) return
    await this.#write('task results', this.#sql.upsertTasks, records.length, i => taskTuple(records[i]))
  }

  /** Inserts log lines; sending the same entries again (a retry) adds no duplicate. @throws {StorageError} */
  async writeLogs (entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return
    await this.#write('logs', this.#sql.insertLogs, entries.length, i => logTuple(entries[i], this.#seqOf(entries[i])))
  }

  /** Inserts spans; a span id already stored is left as it is. @throws {StorageError} */
  async writeSpans (spans: readonly SpanRecord[]): Promise<void> {
    if (spans.length === 0) return
    await this.#write('spans', this.#sql.insertSpans, spans.length, i => spanTuple(spans[i]))
  }

  // Increasing within this process and close to the clock in µs, so that lines of one
  // execution sort in the order they were recorded.
  #seqOf (entry: LogEntry): number {
    let seq = this.#logSeqs.get(entry)
    if (seq === undefined) {
      seq = this.#lastSeq = Math.max(this.#lastSeq + 1, Date.now() * 1000)
      this.#logSeqs.set(entry, seq)
    }
    return seq
  }

  /**
   * Sends rows as few multi-row statements as max_allowed_packet allows, on one
   * connection. A row that alone exceeds it, or whose values the server refuses,
   * is skipped and reported in a rejection error once the others are written.
   */
  async #write (what: string, sql: InsertSql, n: number, tuple: (i: number) => string): Promise<void> {
    await this.init()
    const rejected: RejectedRecord[] = []
    const batches = packRows(what, sql, n, tuple, this.#maxPacket, rejected)
    if (batches.length > 0) {
      await this.#withConnection(`writing ${what}`, async conn => {
        for (const batch of batches) await this.#send(conn, sql, batch, rejected)
      })
    }
    if (rejected.length > 0) throw rejectionError(rejected.sort((a, b) => a.index - b.index), n)
  }

  async #send (conn: PoolConnection, sql: InsertSql, batch: Statement, rejected: RejectedRecord[]): Promise<void> {
    try {
      await this.#run(conn, sql.head + batch.parts.join(',') + sql.tail)
    } catch (err) {
      if (!isRowDataError(err)) throw err
      // One row's value is refused (strict mode): find it by sending the rows one by one.
      for (let r = 0; r < batch.parts.length; r++) {
        try {
          await this.#run(conn, sql.head + batch.parts[r] + sql.tail)
        } catch (rowErr) {
          if (!isRowDataError(rowErr)) throw rowErr
          rejected.push({ index: batch.rows[r], code: ErrorCodes.STORAGE_ERROR, reason: (rowErr as Error).message })
        }
      }
    }
  }

  /** One execution by id, or undefined. */
  async getExecution (id: string): Promise<ExecutionRecord | undefined> {
    const rows = await this.#select('reading an execution', this.#sql.selectExecution, [id])
    return rows.length === 0 ? undefined : executionFromRow(rows[0])
  }

  /**
   * Executions newest first (by id, which sorts by start time), filtered and paged in one query.
   * @throws {InvalidOptionsError} for a negative or fractional limit or offset
   */
  async listExecutions (query: ExecutionQuery = {}): Promise<ExecutionRecord[]> {
    const limit = count('limit', query.limit, 100)
    const offset = count('offset', query.offset, 0)
    if (limit === 0) return []
    const where: string[] = []
    const params: unknown[] = []
    if (query.workflowId !== undefined) { where.push('workflow_id = ?'); params.push(query.workflowId) }
    if (query.status !== undefined) {
      const statuses = Array.isArray(query.status) ? query.status : [query.status]
      if (statuses.length === 0) return []
      where.push('status IN (?)')
      params.push(statuses)
    }
    if (query.from !== undefined) { where.push('started_at >= ?'); params.push(sqlDatetime(time('from', query.from))) }
    if (query.to !== undefined) { where.push('started_at < ?'); params.push(sqlDatetime(time('to', query.to))) }
    if (query.after !== undefined) { where.push('id < ?'); params.push(query.after) }
    params.push(limit, offset)
    const sql = `${this.#sql.selectExecutions} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY id DESC LIMIT ? OFFSET ?`
    return (await this.#select('listing executions', sql, params)).map(executionFromRow)
  }

  /** The task rows of an execution, in start order (tasks that never started last). */
  async getTaskResults (executionId: string): Promise<TaskRecord[]> {
    return (await this.#select('reading task results', this.#sql.selectTasks, [executionId])).map(taskFromRow)
  }

  /**
   * Log lines of an execution, oldest first (in the order recorded), filtered and paged in one query.
   * @throws {InvalidOptionsError} for an unknown level or a bad limit or offset
   */
  async getLogs (executionId: string, query: LogQuery = {}): Promise<LogEntry[]> {
    const limit = count('limit', query.limit, 1000)
    const offset = count('offset', query.offset, 0)
    const params: unknown[] = [executionId]
    let where = 'execution_id = ?'
    if (query.taskId !== undefined) { where += ' AND task_id = ?'; params.push(query.taskId) }
    if (query.level !== undefined) {
      const min = LOG_LEVEL_VALUES[query.level]
      if (min === undefined) throw new InvalidOptionsError(`level must be one of ${Object.keys(LOG_LEVEL_VALUES).join(', ')}`)
      where += ' AND level_value >= ?'
      params.push(min)
    }
    params.push(limit, offset)
    const rows = await this.#select('reading logs', `${this.#sql.selectLogs} WHERE ${where} ORDER BY seq LIMIT ? OFFSET ?`, params)
    return rows.map(logFromRow)
  }

  /** Spans of an execution, ordered by start time. */
  async getSpans (executionId: string): Promise<SpanRecord[]> {
    return (await this.#select('reading spans', this.#sql.selectSpans, [executionId])).map(spanFromRow)
  }

  /**
   * Ends the pool. Statements still running get a short grace, then their
   * connections are destroyed. Idempotent.
   */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const pool = this.#pool
    this.#pool = null
    if (pool === null) return
    let timer: NodeJS.Timeout | undefined
    const ended = pool.end().then(() => true, () => true)
    const done = await Promise.race([ended, new Promise<boolean>(resolve => { timer = setTimeout(resolve, 2000, false) })])
    clearTimeout(timer)
    if (!done) {
      for (const conn of this.#busy) destroy(conn)
      await ended
    }
  }

  #closedError (): StorageError {
    return new StorageError(ErrorCodes.STORAGE_ERROR, `MySQL storage for ${this.#target}/${this.#options.database} is closed`)
  }

  async #select (what: string, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
    await this.init()
    return this.#withConnection(what, conn => this.#run(conn, sql, params) as Promise<RowDataPacket[]>)
  }

  async #withConnection<T> (what: string, use: (conn: PoolConnection) => Promise<T>): Promise<T> {
    if (this.#closed) throw this.#closedError()
    const pool = this.#pool ??= this.#createPool()
    let conn: PoolConnection
    try {
      conn = await pool.getConnection()
    } catch (err) {
      throw toStorageError(err, what, this.#target)
    }
    this.#busy.add(conn)
    try {
      return await use(conn)
    } catch (err) {
      throw toStorageError(err, what, this.#target)
    } finally {
      this.#busy.delete(conn)
      conn.release()
    }
  }

  /** One statement, abandoned after queryTimeout: its connection is destroyed, so it cannot hang a caller. */
  #run (conn: PoolConnection, sql: string, params?: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        destroy(conn)
        reject(new StorageError(ErrorCodes.STORAGE_UNAVAILABLE,
          `MySQL at ${this.#target} did not answer within queryTimeout (${this.#options.queryTimeout} ms); the connection was dropped`))
      }, this.#options.queryTimeout)
      conn.query(sql, params).then(([rows]) => {
        clearTimeout(timer)
        resolve(rows)
      }, (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      })
    })
  }
}

function destroy (conn: PoolConnection): void {
  // destroy() takes it out of the pool; the socket is destroyed too, since a
  // graceful end would wait for a server that does not answer.
  const core = (conn as unknown as { connection: { destroy (): void, stream?: { destroy (): void } } }).connection
  core.destroy()
  core.stream?.destroy()
}

function count (name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 0) throw new InvalidOptionsError(`${name} must be a non-negative integer`)
  return value
}

function time (name: string, value: number): number {
  if (!Number.isFinite(value)) throw new InvalidOptionsError(`${name} must be a time in epoch ms`)
  return value
}
