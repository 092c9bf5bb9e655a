/**
 * Execution history in MySQL 8 or MariaDB 10.11, shared by every engine instance
 * that points at the same database.
 *
 *   Recorder (main thread)                        MySQLStorage                                  server
 *   writeRecords({ executions, tasks, retries }) ─▶ writer thread: one transaction (mysql-records) ─▶ InnoDB
 *   writeSpans (columns) / writeLogs ([...512]) ──▶ writer thread: packed INSERTs (mysql-batch)
 *   get* / list* / claims / heartbeats ──────────▶ reader pool, within readTimeout
 *   init / migrate / purge / stats ───────────────▶ admin pool on this thread
 *
 * The writes run on a thread of their own (writer-link, writer-thread): the host's
 * event loop hands over what the engine holds (records with their bytes, span
 * columns) and waits for an answer, while encoding, the driver and its sockets cost
 * it nothing. A writer thread that dies is started again and sent what it had not
 * answered; `writerRestarts` counts it.
 *
 * Every write is idempotent, so the recorder can retry a batch whose reply was
 * lost without duplicating rows: executions and task results are upserts, spans
 * are keyed by span id, log lines by a sequence number that this storage gives
 * each entry the first time it sees it and keeps for the retries, and failure
 * cases by a fenced upsert.
 */
import type { RowDataPacket } from 'mysql2/promise'
import type { ExecutionStorage, RecordBatch, RecordKind, RefusedRecord, RetryStorage, RowList, StaleReport } from '../storage.js'
import type {
  ExecutionQuery, StoredExecution, InstanceRecord, LogEntry, LogQuery, RetryQuery, RetryRecord, RetryStatistics, SpanRecord, TaskRecord
} from '../../types.js'
import { ErrorCodes, StorageError } from '../../errors.js'
import { resolveMySQLOptions, type MySQLStorageOptions, type ResolvedMySQLOptions } from './options.js'
import { checkSchema, runMigrations, type MigrationResult } from './migrate.js'
import { logFromRow, spanFromRow } from './telemetry-codec.js'
import { rejectionError } from './errors.js'
import { ConnectionPool, withDeadline, type Session } from './pool.js'
import type { PacketLimit } from './batch.js'
import { statements, tables, type Statements, type Tables } from './statements.js'
import { RetrySql } from './retry.js'
import { RecoverySql, type IntegrityReport } from './recovery.js'
import { kTerminateWriter, WriterLink } from './writer-link.js'
import { HandOver } from './hand-over.js'
import { count, executionsOf, executionsQuery, logsQuery, tasksOf } from './reads.js'
import { MySQLRetention, type PurgeOptions } from './retention.js'
import type { PurgeResult, RetentionRun } from './maintenance.js'
import type { StorageStats } from './stats.js'
import { raiseFence } from './fence.js'

export type { MySQLStorageOptions } from './options.js'
export type { MigrationResult } from './migrate.js'
export type { IntegrityReport } from './recovery.js'
export type { PurgeOptions } from './retention.js'
export type { PurgeResult, RetentionRun } from './maintenance.js'
export type { StorageStats, TableStats } from './stats.js'

/**
 * Storage on MySQL (mysql2, two connection pools). Connects on first use; `init()`
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
  readonly #tables: Tables
  readonly #sql: Statements
  readonly #retrySql: RetrySql
  readonly #recovery: RecoverySql
  // The recorder's writes on the writer thread; reads and control statements on a pool
  // of their own, so that they never queue behind a backlog of writes; init, migrations
  // and the long maintenance statements on a third.
  readonly #writer: WriterLink
  readonly #handOver: HandOver
  readonly #writes: ConnectionPool
  readonly #reads: ConnectionPool
  readonly #retention: MySQLRetention
  readonly #limit: PacketLimit = { bytes: 16 * 1024 * 1024 }
  #ready: Promise<void> | null = null
  #closed = false

  /**
   * @param options a `mysql://` URI or the connection options
   * @throws {InvalidOptionsError} naming the option (a malformed URI, a bad tablePrefix, ...)
   */
  constructor (options: MySQLStorageOptions | string) {
    const o = this.#options = resolveMySQLOptions(options)
    this.#target = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`
    this.#writes = new ConnectionPool(o, {
      connectionLimit: o.connectionLimit, connectTimeout: o.connectTimeout, queryTimeout: o.queryTimeout, timeoutOption: 'queryTimeout'
    }, this.#target)
    this.#reads = new ConnectionPool(o, {
      connectionLimit: o.readConnectionLimit,
      connectTimeout: Math.min(o.connectTimeout, o.readTimeout),
      queryTimeout: o.readTimeout,
      timeoutOption: 'readTimeout'
    }, this.#target)
    this.#tables = tables(o.tablePrefix)
    this.#sql = statements(this.#tables)
    this.#retrySql = new RetrySql(this.#tables.retries)
    this.#recovery = new RecoverySql(this.#tables)
    this.#writer = new WriterLink({
      host: o.host, port: o.port, user: o.user, password: o.password, database: o.database, tablePrefix: o.tablePrefix,
      connectionLimit: o.connectionLimit, connectTimeout: o.connectTimeout, queryTimeout: o.queryTimeout
    }, `MySQL at ${this.#target}/${o.database}`)
    this.#handOver = new HandOver(this.#writer, this.#limit)
    this.#retention = new MySQLRetention(o, this.#tables, this.#target, () => this.init())
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
    return this.#limit.bytes
  }

  /** The largest input or output kept, in bytes (the `maxValueBytes` option). */
  get maxValueBytes (): number {
    return this.#options.maxValueBytes
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
      this.#writer.warm()
      const ready = this.#ready = this.#connect()
      ready.then(() => this.#retention.start(), () => { if (this.#ready === ready) this.#ready = null })
    }
    return this.#ready
  }

  /**
   * Applies the migrations this database lacks, under a lock that makes
   * concurrent calls from several instances safe.
   * @throws {StorageError} SCHEMA_TOO_NEW when the database was migrated by a newer release
   */
  async migrate (): Promise<MigrationResult> {
    return this.#writes.use('migrate', session => this.#migrate(session))
  }

  #migrate (session: Session): Promise<MigrationResult> {
    const { database, tablePrefix, queryTimeout } = this.#options
    // Wait for another instance's migration, but answer within queryTimeout.
    const lockWait = Math.max(1, Math.min(60, Math.floor(queryTimeout / 1000) - 1))
    return runMigrations(session.run, database, tablePrefix, lockWait)
  }

  async #connect (): Promise<void> {
    await this.#writes.use('connect', async session => {
      const [row] = await session.run('SELECT @@max_allowed_packet AS packet') as RowDataPacket[]
      this.#limit.bytes = Number(row.packet)
      const { database, tablePrefix, autoMigrate } = this.#options
      if (autoMigrate) {
        await this.#migrate(session)
        await this.#retention.upkeep(session)
      } else {
        await checkSchema(session.run, database, tablePrefix)
      }
    })
  }

  /**
   * Writes one flush of records in one transaction (see mysql-records): all or none,
   * inputs and outputs too large for a row stored in parts. Resolves with the records
   * whose values the server refused, set aside; the others are committed.
   * @throws {StorageError} when nothing was committed (the recorder retries the batch)
   */
  async writeRecords (batch: RecordBatch): Promise<RefusedRecord[]> {
    await this.init()
    return this.#handOver.records(batch)
  }

  /** How many times the writer thread died and was started again (its unanswered writes sent again). */
  get writerRestarts (): number {
    return this.#writer.restarts
  }

  /** Why the writer thread last died, when it did. */
  get lastWriterExit (): string | undefined {
    return this.#writer.lastExit
  }

  /** @internal Ends the writer thread as a crash would (see WriterLink.terminate). */
  [kTerminateWriter] (): Promise<void> {
    return this.#writer.terminate()
  }

  /** Upserts executions by id, in one transaction. @throws {StorageError} with `rejected` for the records refused */
  async writeExecutions (records: readonly StoredExecution[]): Promise<void> {
    await this.#writeOne('executions', { executions: records, tasks: [], retries: [] }, records.length)
  }

  /** Upserts task results by (executionId, taskId), in one transaction. @throws {StorageError} with `rejected` */
  async writeTaskResults (records: RowList<TaskRecord>): Promise<void> {
    await this.#writeOne('tasks', { executions: [], tasks: records, retries: [] }, records.length)
  }

  /** Upserts failure cases, fenced (see RetryStorage.writeRetryRecords). @throws {StorageError} with `rejected` */
  async writeRetryRecords (records: readonly RetryRecord[]): Promise<void> {
    await this.#writeOne('retries', { executions: [], tasks: [], retries: records }, records.length)
  }

  async #writeOne (kind: RecordKind, batch: RecordBatch, n: number): Promise<void> {
    if (n === 0) return
    const refused = (await this.writeRecords(batch)).filter(r => r.kind === kind)
    if (refused.length > 0) throw rejectionError(refused, n)
  }

  /** Inserts log lines; sending the same entries again (a retry) adds no duplicate. @throws {StorageError} */
  async writeLogs (entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return
    await this.init()
    await this.#handOver.logs(entries)
  }

  /** Inserts spans; a span id already stored is left as it is. @throws {StorageError} */
  async writeSpans (spans: RowList<SpanRecord>): Promise<void> {
    if (spans.length === 0) return
    await this.init()
    await this.#handOver.spans(spans)
  }

  /** One execution by id, or undefined. @throws {StorageError} STORAGE_UNAVAILABLE past readTimeout */
  async getExecution (id: string): Promise<StoredExecution | undefined> {
    const [record] = await this.#read('reading an execution', async session =>
      executionsOf(session, this.#tables.blobs, await session.run(this.#sql.selectExecution, [id]) as RowDataPacket[]))
    return record
  }

  /**
   * Executions newest first by start time (then id), filtered and paged in one query.
   * @throws {InvalidOptionsError} for a negative or fractional limit or offset
   * @throws {StorageError} STORAGE_UNAVAILABLE past readTimeout
   */
  async listExecutions (query: ExecutionQuery = {}): Promise<StoredExecution[]> {
    const q = executionsQuery(this.#sql.selectExecutions, this.#tables.executions, query)
    if (q === undefined) return []
    return this.#read('listing executions', async session =>
      executionsOf(session, this.#tables.blobs, await session.run(q.sql, q.params) as RowDataPacket[]))
  }

  /** The task rows of an execution, in start order (tasks that never started last). */
  async getTaskResults (executionId: string): Promise<TaskRecord[]> {
    return this.#read('reading task results', async session =>
      tasksOf(session, this.#tables.blobs, await session.run(this.#sql.selectTasks, [executionId]) as RowDataPacket[]))
  }

  /**
   * Log lines of an execution, oldest first (in the order recorded), filtered and paged in one query.
   * @throws {InvalidOptionsError} for an unknown level or a bad limit or offset
   */
  async getLogs (executionId: string, query: LogQuery = {}): Promise<LogEntry[]> {
    const q = logsQuery(this.#sql.selectLogs, executionId, query)
    return (await this.#read('reading logs', session => session.run(q.sql, q.params) as Promise<RowDataPacket[]>)).map(logFromRow)
  }

  /** Spans of an execution, ordered by start time. */
  async getSpans (executionId: string): Promise<SpanRecord[]> {
    return (await this.#read('reading spans', session => session.run(this.#sql.selectSpans, [executionId]) as Promise<RowDataPacket[]>)).map(spanFromRow)
  }

  /**
   * Ends both pools. Statements still running get a short grace, then their
   * connections are destroyed: returns within about 2.5 s whatever the server does.
   * Idempotent.
   */
  async close (): Promise<void> {
    this.#closed = true
    await Promise.all([this.#writer.close(), this.#writes.close(), this.#reads.close(), this.#retention.close()])
  }

  /**
   * Removes the history older than a cut, one instance at a time (a lease: a call made
   * while another instance purges resolves with `ran: false`). Day partitions of spans
   * and logs that end before the cut are dropped; finished executions last changed
   * before it go with their task results, values and closed cases, in short
   * transactions. Running executions, and those an open failure case points at, stay.
   * @throws {InvalidOptionsError} unless exactly one of `olderThan` (a duration) and `before` (epoch ms) is given
   */
  purge (options: PurgeOptions): Promise<PurgeResult> {
    return this.#retention.purge(options)
  }

  /** The outcome of the last background run of the `retention` option; undefined before the first ends, or without retention. */
  get lastRetentionRun (): RetentionRun | undefined {
    return this.#retention.last
  }

  /**
   * Rows and bytes per table (InnoDB's estimates), the oldest and newest record, and
   * the day partitions of spans and logs. Runs on the writer's pool, without readTimeout.
   */
  async stats (): Promise<StorageStats> {
    await this.init()
    return this.#writes.use('reading table statistics', session => this.#retention.stats(session))
  }

  async getRetryRecord (executionId: string): Promise<RetryRecord | undefined> {
    return this.#read('reading a retry record', session => this.#retrySql.get(session, executionId))
  }

  async listRetryRecords (query: RetryQuery = {}): Promise<RetryRecord[]> {
    count('limit', query.limit, 100)
    count('offset', query.offset, 0)
    return this.#read('listing retry records', session => this.#retrySql.list(session, query))
  }

  /**
   * Atomic: one conditional UPDATE; true for the one caller whose update changed the row.
   * @throws {StorageError} STORAGE_UNAVAILABLE past readTimeout: the claim may or may not have been made
   */
  async claimRetry (executionId: string, instanceId: string, at: number): Promise<boolean> {
    return this.#read('claiming a retry', session => this.#retrySql.claim(session, executionId, instanceId, at))
  }

  /** One conditional UPDATE, as claimRetry, that also takes a case claimed by another. */
  async adoptRetry (executionId: string, instanceId: string, at: number): Promise<boolean> {
    return this.#read('adopting a failure case', session => this.#retrySql.claim(session, executionId, instanceId, at, true))
  }

  async raiseFence (executionId: string, fence: number): Promise<boolean> {
    return this.#read('fencing an execution', session => raiseFence(session, this.#tables.executions, executionId, fence))
  }

  async abandonRetry (executionId: string, reason: string, at: number): Promise<boolean> {
    return this.#read('abandoning a retry', session => this.#retrySql.abandon(session, executionId, reason, at))
  }

  async retryStatistics (): Promise<RetryStatistics> {
    return this.#read('reading retry statistics', session => this.#retrySql.statistics(session))
  }

  async heartbeat (instance: InstanceRecord): Promise<void> {
    await this.#read('writing a heartbeat', session => this.#recovery.heartbeat(session, instance))
  }

  /** Registered instances and their heartbeats, latest first. */
  async listInstances (): Promise<InstanceRecord[]> {
    return this.#read('listing instances', session => this.#recovery.instances(session))
  }

  /** Removes this instance's row; bounded by readTimeout whatever the server does. */
  async removeInstance (instanceId: string): Promise<void> {
    await this.#read('removing an instance', session => this.#recovery.removeInstance(session, instanceId))
  }

  async interruptStale (expiredBefore: number, at: number): Promise<StaleReport> {
    return this.#read('marking interrupted executions', session => this.#recovery.interruptStale(session, expiredBefore, at))
  }

  /**
   * Reports what the database holds half-written (terminal executions missing task
   * rows, task rows or failure cases without their execution), at most `limit` ids of
   * each; changes nothing. Empty for what this version writes; a database written by
   * an older release, which wrote executions and tasks apart, may show some. Runs on
   * the writer's pool (it scans whole tables), without readTimeout.
   */
  async checkIntegrity (limit = 1000): Promise<IntegrityReport> {
    await this.init()
    return this.#writes.use('checking integrity', session => this.#recovery.integrity(session, Math.max(1, Math.floor(limit))))
  }

  // Reads and control statements: on the readers' pool, within readTimeout from the
  // call, connecting and migrating included.
  #read<T> (what: string, fn: (session: Session) => Promise<T>): Promise<T> {
    return withDeadline(this.#options.readTimeout, `${what}: MySQL at ${this.#target}`, async signal => {
      await this.init()
      return this.#reads.use(what, fn, signal)
    })
  }
}
