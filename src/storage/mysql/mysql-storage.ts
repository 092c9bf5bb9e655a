/**
 * Execution history in MySQL 8 or MariaDB 10.11, shared by every engine instance
 * that points at the same database.
 *
 *   Recorder (main thread)                        MySQLStorage                                  server
 *   writeRecords({ executions, tasks, retries }) ─▶ writer thread: one transaction (mysql-records) ─▶ InnoDB
 *   writeSpans (columns) / writeLogs ([...512]) ──▶ writer thread: packed INSERTs (mysql-batch)
 *   get* / list* / claims / heartbeats ──────────▶ reader pool, within readTimeout (mysql-reads)
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
import type { ExecutionStorage, RecordBatch, RecordKind, RefusedRecord, RetryStorage, RowList } from '../storage.js'
import type { StoredExecution, LogEntry, RetryRecord, SpanRecord, TaskRecord, WorkflowShape } from '../../types.js'
import { ErrorCodes, StorageError } from '../../errors.js'
import type { MySQLStorageOptions } from './options.js'
import { checkSchema, runMigrations, type MigrationResult } from './migrate.js'
import { rejectionError } from './errors.js'
import { ConnectionPool, type Session } from './pool.js'
import type { PacketLimit } from './batch.js'
import type { IntegrityReport } from './recovery.js'
import { kTerminateWriter, kWriterFault, WriterLink } from './writer-link.js'
import { HandOver } from './hand-over.js'
import { writeShape } from './shapes.js'
import { MySQLReads } from './mysql-reads.js'
import { MySQLRetention, type PurgeOptions } from './retention.js'
import type { PurgeResult, RetentionRun } from './maintenance.js'
import type { StorageStats } from './stats.js'
import { MySQLResultCache } from './result-cache.js'
import type { CachedResult, CacheFilter, CacheStats, ResultCacheStorage } from '../cache-storage.js'

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
export class MySQLStorage extends MySQLReads implements ExecutionStorage, RetryStorage, ResultCacheStorage {
  readonly kind = 'mysql'
  // The recorder's writes on the writer thread; reads and control statements on a pool
  // of their own, so that they never queue behind a backlog of writes; init, migrations
  // and the long maintenance statements on a third.
  readonly #writer: WriterLink
  readonly #handOver: HandOver
  readonly #writes: ConnectionPool
  readonly #retention: MySQLRetention
  readonly #cache: MySQLResultCache
  readonly #limit: PacketLimit = { bytes: 16 * 1024 * 1024 }
  #ready: Promise<void> | null = null
  #closed = false

  /**
   * @param options a `mysql://` URI or the connection options
   * @throws {InvalidOptionsError} naming the option (a malformed URI, a bad tablePrefix, ...)
   */
  constructor (options: MySQLStorageOptions | string) {
    super(options)
    const o = this.options
    this.#writes = new ConnectionPool(o, {
      connectionLimit: o.connectionLimit, connectTimeout: o.connectTimeout, queryTimeout: o.queryTimeout, timeoutOption: 'queryTimeout', readOnly: o.readOnly
    }, this.address)
    this.#writer = new WriterLink({
      host: o.host, port: o.port, user: o.user, password: o.password, database: o.database, tablePrefix: o.tablePrefix,
      connectionLimit: o.connectionLimit, connectTimeout: o.connectTimeout, queryTimeout: o.queryTimeout
    }, `MySQL at ${this.address}/${o.database}`)
    this.#handOver = new HandOver(this.#writer, this.#limit)
    this.#retention = new MySQLRetention(o, this.tables, this.address, () => this.init())
    this.#cache = new MySQLResultCache({ cache: this.tables.cache, parts: this.tables.cacheParts })
  }

  /** The largest output cached, in bytes: `maxValueBytes`. */
  get maxCachedBytes (): number {
    return this.options.maxValueBytes
  }

  /** Cached results of `keys`, shared by every instance (see ResultCacheStorage). Read on the readers' pool. */
  getCachedResults (keys: readonly string[], now: number): Promise<Array<CachedResult | string | undefined>> {
    return this.read('reading cached results', session => this.#cache.get(session, keys, now))
  }

  /** Stores cached results, a large output in parts. */
  async putCachedResults (entries: readonly CachedResult[]): Promise<void> {
    await this.init()
    await this.#writes.use('writing cached results', session => this.#cache.put(session, entries, this.#limit.bytes))
  }

  /** Removes the cached results `filter` selects (every one without); resolves with how many. */
  async clearCachedResults (filter?: CacheFilter): Promise<number> {
    await this.init()
    return this.#writes.use('clearing cached results', session => this.#cache.clear(session, filter))
  }

  /** Cached results held, and their bytes. */
  cacheStats (): Promise<CacheStats> {
    return this.read('reading cache statistics', session => this.#cache.stats(session))
  }

  /** `host:port` of the server, for messages. */
  get target (): string {
    return this.address
  }

  /** The database (schema) holding the tables. */
  get database (): string {
    return this.options.database
  }

  /** Prepended to every table name. */
  get tablePrefix (): string {
    return this.options.tablePrefix
  }

  /** The server's `max_allowed_packet` in bytes, read by `init()`. */
  get maxAllowedPacket (): number {
    return this.#limit.bytes
  }

  /** The largest input or output kept, in bytes (the `maxValueBytes` option). */
  get maxValueBytes (): number {
    return this.options.maxValueBytes
  }

  /**
   * Connects, reads the server's limits and applies pending migrations (or, with
   * `autoMigrate: false`, checks the schema). Idempotent; a failed init is tried
   * again by the next call.
   * @throws {StorageError} STORAGE_UNAVAILABLE (no server at host:port), SCHEMA_TOO_NEW, STORAGE_ERROR
   */
  init (): Promise<void> {
    if (this.#closed) return Promise.reject(new StorageError(ErrorCodes.STORAGE_ERROR, `MySQL storage for ${this.address}/${this.options.database} is closed`))
    if (this.#ready === null) {
      // A storage that only reads never needs its writer thread.
      if (!this.options.readOnly) this.#writer.warm()
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
    this.writable('migrating')
    return this.#writes.use('migrate', session => this.#migrate(session))
  }

  #migrate (session: Session): Promise<MigrationResult> {
    const { database, tablePrefix, queryTimeout } = this.options
    // Wait for another instance's migration, but answer within queryTimeout.
    const lockWait = Math.max(1, Math.min(60, Math.floor(queryTimeout / 1000) - 1))
    return runMigrations(session.run, database, tablePrefix, lockWait)
  }

  async #connect (): Promise<void> {
    await this.#writes.use('connect', async session => {
      const [row] = await session.run('SELECT @@max_allowed_packet AS packet') as RowDataPacket[]
      this.#limit.bytes = Number(row.packet)
      const { database, tablePrefix, autoMigrate, readOnly } = this.options
      if (autoMigrate && !readOnly) {
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
    this.writable('writing records')
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

  /** @internal Writer threads die when handed the records of execution `id` (see kWriterFault). */
  [kWriterFault] (id: string): void {
    this.#writer.faultOn(id)
  }

  /**
   * Batches of spans or logs written at once: one per writer connection but the one
   * left for records (spans and logs are keyed, so their order changes nothing). More
   * (a batch waiting, encoded, for each connection) was measured to cost more CPU than
   * it saved: the waiting statements outlive the young generation and burden the GC.
   */
  get writeConcurrency (): number {
    return Math.max(1, this.options.connectionLimit - 1)
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
    this.writable('writing logs')
    await this.init()
    await this.#handOver.logs(entries)
  }

  /** Inserts spans; a span id already stored is left as it is. @throws {StorageError} */
  async writeSpans (spans: RowList<SpanRecord>): Promise<void> {
    if (spans.length === 0) return
    this.writable('writing spans')
    await this.init()
    await this.#handOver.spans(spans)
  }

  /** Keeps the shape of a definition, once per hash (see ExecutionStorage). */
  async writeWorkflowShape (shape: WorkflowShape): Promise<void> {
    this.writable('writing a workflow shape')
    await this.init()
    await this.#writes.use('writing a workflow shape', session => writeShape(session, this.tables.shapes, shape))
  }

  /**
   * Ends both pools. Statements still running get a short grace, then their
   * connections are destroyed: returns within about 2.5 s whatever the server does.
   * Idempotent.
   */
  async close (): Promise<void> {
    this.#closed = true
    await Promise.all([this.#writer.close(), this.#writes.close(), this.closeReads(), this.#retention.close()])
  }

  /**
   * Removes the history older than a cut, one instance at a time (a lease: a call made
   * while another instance purges resolves with `ran: false`). Day partitions of spans
   * and logs that end before the cut are dropped; finished executions last changed
   * before it go with their task results, values and closed cases, in short
   * transactions. Running executions, and those an open failure case points at, stay.
   * @throws {InvalidOptionsError} unless exactly one of `olderThan` (a duration) and `before` (epoch ms) is given
   */
  async purge (options: PurgeOptions): Promise<PurgeResult> {
    this.writable('purging')
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

  /**
   * Reports what the database holds half-written (terminal executions missing task
   * rows, task rows or failure cases without their execution), at most `limit` ids of
   * each; changes nothing. Empty for what this version writes; a database written by
   * an older release, which wrote executions and tasks apart, may show some. Runs on
   * the writer's pool (it scans whole tables), without readTimeout.
   */
  async checkIntegrity (limit = 1000): Promise<IntegrityReport> {
    await this.init()
    return this.#writes.use('checking integrity', session => this.recovery.integrity(session, Math.max(1, Math.floor(limit))))
  }
}
