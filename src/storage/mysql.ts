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
import type { RowDataPacket } from 'mysql2/promise'
import type { ExecutionStorage, RetryStorage } from './storage.js'
import type {
  ExecutionQuery, ExecutionRecord, InstanceRecord, LogEntry, LogQuery, RetryQuery, RetryRecord, RetryStatistics, SpanRecord, TaskRecord
} from '../types.js'
import { RetrySql } from './mysql-retry.js'
import { LOG_LEVEL_VALUES } from '../types.js'
import { ErrorCodes, InvalidOptionsError, StorageError } from '../errors.js'
import { resolveMySQLOptions, type MySQLStorageOptions, type ResolvedMySQLOptions } from './mysql-options.js'
import { checkSchema, runMigrations, type MigrationResult } from './mysql-migrate.js'
import {
  executionFromRow, executionTuple, logFromRow, logTuple, sqlDatetime, spanFromRow, spanTuple, taskFromRow, taskTuple
} from './mysql-codec.js'
import { isRowDataError, rejectionError, type RejectedRecord } from './mysql-errors.js'
import { ConnectionPool, type Session } from './mysql-pool.js'
import { packRows, type InsertSql, type Statement } from './mysql-batch.js'
import { statements, type Statements } from './mysql-statements.js'

export type { MySQLStorageOptions } from './mysql-options.js'
export type { MigrationResult } from './mysql-migrate.js'

/**
 * Storage on MySQL (mysql2, a connection pool). Connects on first use; `init()`
 * connects and applies pending migrations.
 *
 * ```ts
 * const engine = new Engine({ storage: new MySQLStorage('mysql://root@127.0.0.1:3306/graph_task') })
 * ```
 */
export class MySQLStorage implements ExecutionStorage, RetryStorage {
  readonly kind = 'mysql'
  readonly #options: ResolvedMySQLOptions
  readonly #target: string
  readonly #sql: Statements
  readonly #retrySql: RetrySql
  readonly #pool: ConnectionPool
  #ready: Promise<void> | null = null
  #closed = false
  #maxPacket = 16 * 1024 * 1024
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
    this.#pool = new ConnectionPool(this.#options, this.#target)
    this.#sql = statements({ executions: `\`${p}executions\``, tasks: `\`${p}task_results\``, logs: `\`${p}logs\``, spans: `\`${p}spans\`` })
    this.#retrySql = new RetrySql({ retries: `\`${p}retry_records\``, instances: `\`${p}instances\``, executions: `\`${p}executions\`` })
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
    if (this.#closed) return Promise.reject(new StorageError(ErrorCodes.STORAGE_ERROR, `MySQL storage for ${this.#target}/${this.#options.database} is closed`))
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
    return this.#pool.use('migrate', session => this.#migrate(session))
  }

  #migrate (session: Session): Promise<MigrationResult> {
    const { database, tablePrefix, queryTimeout } = this.#options
    // Wait for another instance's migration, but answer within queryTimeout.
    const lockWait = Math.max(1, Math.min(60, Math.floor(queryTimeout / 1000) - 1))
    return runMigrations(session.run, database, tablePrefix, lockWait)
  }

  async #connect (): Promise<void> {
    await this.#pool.use('connect', async session => {
      const [row] = await session.run('SELECT @@max_allowed_packet AS packet') as RowDataPacket[]
      this.#maxPacket = Number(row.packet)
      const { database, tablePrefix, autoMigrate } = this.#options
      if (autoMigrate) await this.#migrate(session)
      else await checkSchema(session.run, database, tablePrefix)
    })
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
      await this.#pool.use(`writing ${what}`, async session => {
        for (const batch of batches) await this.#send(session, sql, batch, rejected)
      })
    }
    if (rejected.length > 0) throw rejectionError(rejected.sort((a, b) => a.index - b.index), n)
  }

  async #send (session: Session, sql: InsertSql, batch: Statement, rejected: RejectedRecord[]): Promise<void> {
    try {
      await session.run(sql.head + batch.parts.join(',') + sql.tail)
    } catch (err) {
      if ((err as { errno?: number }).errno === 1153) {
        // ER_NET_PACKET_TOO_LARGE: the server's limit is lower than the one read at init
        // (a global changed since). Halve ours, so that the retry sends smaller statements.
        this.#maxPacket = Math.max(64 * 1024, Math.floor(this.#maxPacket / 2))
        throw err
      }
      if (!isRowDataError(err)) throw err
      // One row's value is refused (strict mode): find it by sending the rows one by one.
      for (let r = 0; r < batch.parts.length; r++) {
        try {
          await session.run(sql.head + batch.parts[r] + sql.tail)
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
    if (query.retryOf !== undefined) { where.push('retry_of = ?'); params.push(query.retryOf) }
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
    this.#closed = true
    await this.#pool.close()
  }

  /** Upserts failure cases (manual retry) with their full state. @throws {StorageError} */
  async writeRetryRecords (records: readonly RetryRecord[]): Promise<void> {
    await this.init()
    await this.#pool.use('writing retry records', session => this.#retrySql.write(session, records))
  }

  async getRetryRecord (executionId: string): Promise<RetryRecord | undefined> {
    await this.init()
    return this.#pool.use('reading a retry record', session => this.#retrySql.get(session, executionId))
  }

  async listRetryRecords (query: RetryQuery = {}): Promise<RetryRecord[]> {
    count('limit', query.limit, 100)
    count('offset', query.offset, 0)
    await this.init()
    return this.#pool.use('listing retry records', session => this.#retrySql.list(session, query))
  }

  /** Atomic: one conditional UPDATE; true for the one caller whose update changed the row. */
  async claimRetry (executionId: string, instanceId: string, at: number): Promise<boolean> {
    await this.init()
    return this.#pool.use('claiming a retry', session => this.#retrySql.claim(session, executionId, instanceId, at))
  }

  async abandonRetry (executionId: string, reason: string, at: number): Promise<boolean> {
    await this.init()
    return this.#pool.use('abandoning a retry', session => this.#retrySql.abandon(session, executionId, reason, at))
  }

  async retryStatistics (): Promise<RetryStatistics> {
    await this.init()
    return this.#pool.use('reading retry statistics', session => this.#retrySql.statistics(session))
  }

  async heartbeat (instance: InstanceRecord): Promise<void> {
    await this.init()
    await this.#pool.use('writing a heartbeat', session => this.#retrySql.heartbeat(session, instance))
  }

  async removeInstance (instanceId: string): Promise<void> {
    await this.init()
    await this.#pool.use('removing an instance', session => this.#retrySql.removeInstance(session, instanceId))
  }

  async interruptStale (expiredBefore: number, at: number): Promise<string[]> {
    await this.init()
    return this.#pool.use('marking interrupted executions', session => this.#retrySql.interruptStale(session, expiredBefore, at))
  }

  async #select (what: string, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
    await this.init()
    return this.#pool.use(what, session => session.run(sql, params) as Promise<RowDataPacket[]>)
  }
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
