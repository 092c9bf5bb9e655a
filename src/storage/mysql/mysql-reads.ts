/**
 * The reads and control statements of a MySQLStorage: history for the console and
 * `getExecutionResult`, failure cases and their claims, heartbeats and the scan for
 * dead instances. All on a pool of their own, each within `readTimeout` from the
 * call (connecting and migrating included), so that none waits behind the writer's
 * backlog and none hangs its caller.
 */
import type { RowDataPacket } from 'mysql2/promise'
import type { StaleReport } from '../storage.js'
import type { ExecutionQuery, StoredExecution, InstanceRecord, LogEntry, LogQuery, RetryQuery, RetryRecord, RetryStatistics, SpanRecord, TaskRecord, WorkflowShape } from '../../types.js'
import { ErrorCodes, StorageError } from '../../errors.js'
import { readShape } from './shapes.js'
import { resolveMySQLOptions, type MySQLStorageOptions, type ResolvedMySQLOptions } from './options.js'
import { logFromRow, spanFromRow } from './telemetry-codec.js'
import { ConnectionPool, withDeadline, type Session } from './pool.js'
import { statements, tables, type Statements, type Tables } from './statements.js'
import { RetrySql } from './retry.js'
import { RecoverySql } from './recovery.js'
import { count, executionsOf, executionsQuery, logsQuery, tasksOf } from './reads.js'
import { raiseFence } from './fence.js'

/** @internal The read side of MySQLStorage, which adds the writes, init and maintenance. */
export abstract class MySQLReads {
  protected readonly options: ResolvedMySQLOptions
  /** `host:port`, for messages. */
  protected readonly address: string
  protected readonly tables: Tables
  protected readonly sql: Statements
  protected readonly recovery: RecoverySql
  readonly #retrySql: RetrySql
  readonly #reads: ConnectionPool

  constructor (options: MySQLStorageOptions | string) {
    const o = this.options = resolveMySQLOptions(options)
    this.address = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`
    this.#reads = new ConnectionPool(o, {
      connectionLimit: o.readConnectionLimit,
      connectTimeout: Math.min(o.connectTimeout, o.readTimeout),
      queryTimeout: o.readTimeout,
      timeoutOption: 'readTimeout',
      readOnly: o.readOnly
    }, this.address)
    this.tables = tables(o.tablePrefix)
    this.sql = statements(this.tables)
    this.#retrySql = new RetrySql(this.tables.retries)
    this.recovery = new RecoverySql(this.tables)
  }

  /** Connects and migrates once; the reads wait for it. */
  abstract init (): Promise<void>

  /** One execution by id, or undefined. @throws {StorageError} STORAGE_UNAVAILABLE past readTimeout */
  async getExecution (id: string): Promise<StoredExecution | undefined> {
    const [record] = await this.read('reading an execution', async session =>
      executionsOf(session, this.tables.blobs, await session.run(this.sql.selectExecution, [id]) as RowDataPacket[]))
    return record
  }

  /**
   * Executions newest first by start time (then id), filtered and paged in one query.
   * @throws {InvalidOptionsError} for a negative or fractional limit or offset
   * @throws {StorageError} STORAGE_UNAVAILABLE past readTimeout
   */
  async listExecutions (query: ExecutionQuery = {}): Promise<StoredExecution[]> {
    const q = executionsQuery(this.sql.selectExecutions, this.tables.executions, query)
    if (q === undefined) return []
    return this.read('listing executions', async session =>
      executionsOf(session, this.tables.blobs, await session.run(q.sql, q.params) as RowDataPacket[]))
  }

  /** The task rows of an execution, in start order (tasks that never started last). */
  async getTaskResults (executionId: string): Promise<TaskRecord[]> {
    return this.read('reading task results', async session =>
      tasksOf(session, this.tables.blobs, await session.run(this.sql.selectTasks, [executionId]) as RowDataPacket[]))
  }

  /**
   * Log lines of an execution, oldest first (in the order recorded), filtered and paged in one query.
   * @throws {InvalidOptionsError} for an unknown level or a bad limit or offset
   */
  async getLogs (executionId: string, query: LogQuery = {}): Promise<LogEntry[]> {
    const q = logsQuery(this.sql.selectLogs, executionId, query)
    return (await this.read('reading logs', session => session.run(q.sql, q.params) as Promise<RowDataPacket[]>)).map(logFromRow)
  }

  /** Spans of an execution, ordered by start time. */
  async getSpans (executionId: string): Promise<SpanRecord[]> {
    return (await this.read('reading spans', session => session.run(this.sql.selectSpans, [executionId]) as Promise<RowDataPacket[]>)).map(spanFromRow)
  }

  async getRetryRecord (executionId: string): Promise<RetryRecord | undefined> {
    return this.read('reading a retry record', session => this.#retrySql.get(session, executionId))
  }

  async listRetryRecords (query: RetryQuery = {}): Promise<RetryRecord[]> {
    count('limit', query.limit, 100)
    count('offset', query.offset, 0)
    return this.read('listing retry records', session => this.#retrySql.list(session, query))
  }

  /**
   * Atomic: one conditional UPDATE; true for the one caller whose update changed the row.
   * @throws {StorageError} STORAGE_UNAVAILABLE past readTimeout: the claim may or may not have been made
   */
  async claimRetry (executionId: string, instanceId: string, at: number): Promise<boolean> {
    this.writable('claiming a retry')
    return this.read('claiming a retry', session => this.#retrySql.claim(session, executionId, instanceId, at))
  }

  /** One conditional UPDATE, as claimRetry, that also takes a case claimed by another. */
  async adoptRetry (executionId: string, instanceId: string, at: number): Promise<boolean> {
    this.writable('adopting a failure case')
    return this.read('adopting a failure case', session => this.#retrySql.claim(session, executionId, instanceId, at, true))
  }

  async raiseFence (executionId: string, fence: number): Promise<boolean> {
    this.writable('fencing an execution')
    return this.read('fencing an execution', session => raiseFence(session, this.tables.executions, executionId, fence))
  }

  async abandonRetry (executionId: string, reason: string, at: number): Promise<boolean> {
    this.writable('abandoning a retry')
    return this.read('abandoning a retry', session => this.#retrySql.abandon(session, executionId, reason, at))
  }

  async retryStatistics (): Promise<RetryStatistics> {
    return this.read('reading retry statistics', session => this.#retrySql.statistics(session))
  }

  async heartbeat (instance: InstanceRecord): Promise<void> {
    this.writable('writing a heartbeat')
    await this.read('writing a heartbeat', session => this.recovery.heartbeat(session, instance))
  }

  /** Registered instances and their heartbeats, latest first. */
  async listInstances (): Promise<InstanceRecord[]> {
    return this.read('listing instances', session => this.recovery.instances(session))
  }

  /** Removes this instance's row; bounded by readTimeout whatever the server does. */
  async removeInstance (instanceId: string): Promise<void> {
    this.writable('removing an instance')
    await this.read('removing an instance', session => this.recovery.removeInstance(session, instanceId))
  }

  async interruptStale (expiredBefore: number, at: number): Promise<StaleReport> {
    this.writable('marking interrupted executions')
    return this.read('marking interrupted executions', session => this.recovery.interruptStale(session, expiredBefore, at))
  }

  /** Whether this storage was opened for reading only (the `readOnly` option). */
  get readOnly (): boolean {
    return this.options.readOnly
  }

  /** Refuses a write at once on a readOnly storage (its sessions are READ ONLY as well). */
  protected writable (what: string): void {
    if (this.options.readOnly) {
      throw new StorageError(ErrorCodes.STORAGE_READ_ONLY,
        `${what}: MySQL storage for ${this.address}/${this.options.database} was opened for reading only (readOnly)`)
    }
  }

  /** The shape kept for a definition hash, or undefined. */
  async getWorkflowShape (definitionHash: string): Promise<WorkflowShape | undefined> {
    return this.read('reading a workflow shape', session => readShape(session, this.tables.shapes, definitionHash))
  }

  /** Ends the readers' pool (bounded, see ConnectionPool.close). */
  protected closeReads (): Promise<void> {
    return this.#reads.close()
  }

  // On the readers' pool, within readTimeout from the call, connecting and migrating included.
  protected read<T> (what: string, fn: (session: Session) => Promise<T>): Promise<T> {
    return withDeadline(this.options.readTimeout, `${what}: MySQL at ${this.address}`, async signal => {
      await this.init()
      return this.#reads.use(what, fn, signal)
    })
  }
}
