/**
 * The MySQL server the tests talk to: MariaDB at 127.0.0.1:3306 as root without a
 * password, or GRAPH_TASK_MYSQL_URL (its database part is ignored: each test file
 * makes a database of its own and drops it after). When no server answers, the
 * tests fail and say how to start one; they never skip.
 */
import { randomBytes } from 'node:crypto'
import v8 from 'node:v8'
import { afterAll, beforeAll, onTestFinished } from 'vitest'
import mysql, { type RowDataPacket } from 'mysql2/promise'
import { MySQLStorage, type MySQLStorageOptions } from '../../dist/mysql.js'
import { type LogEntry, type SpanRecord, type TaskRecord } from '../../dist/index.js'
import type { StoredExecution } from '../../dist/storage.js'
import type { RetryRecord } from '../../src/types.js'
import type { TaskSource } from '../../src/storage/storage.js'

/** Connection settings of the test server: GRAPH_TASK_MYSQL_URL, else MYSQL_HOST / MYSQL_PORT / MYSQL_USER / MYSQL_PASSWORD, else root@127.0.0.1:3306. */
export function serverSettings (): { host: string, port: number, user: string, password: string } {
  const env = process.env
  if (env.GRAPH_TASK_MYSQL_URL !== undefined) {
    const url = new URL(env.GRAPH_TASK_MYSQL_URL)
    return {
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password)
    }
  }
  return {
    host: env.MYSQL_HOST ?? '127.0.0.1',
    port: Number(env.MYSQL_PORT ?? 3306),
    user: env.MYSQL_USER ?? 'root',
    password: env.MYSQL_PASSWORD ?? ''
  }
}

/** A database of one test file. */
export interface TestDatabase {
  name: string
  host: string
  port: number
  /** The database as a mysql:// URI with the test server's user and password: for the CLI's --mysql and GRAPH_TASK_MYSQL_URL. */
  uri (): string
  /** Storage options for this database; `overrides` may move it (a proxy port) or rename its tables. */
  options (overrides?: MySQLStorageOptions): MySQLStorageOptions
  /** A storage on this database, closed with the database. */
  storage (overrides?: MySQLStorageOptions): MySQLStorage
  /** Runs SQL on this database directly (to check what the storage wrote, or to set up a case). */
  query<T = RowDataPacket[]> (sql: string, params?: unknown[]): Promise<T>
  /** Closes the storages it made and drops the database. */
  drop (): Promise<void>
}

/**
 * The database of the calling test file: created before its tests, dropped after.
 * When no server answers, every test that touches it fails with the message of
 * {@link createTestDatabase} (a failing beforeAll would only mark them skipped).
 */
export function useTestDatabase (): TestDatabase {
  let real: TestDatabase | undefined
  let failure: unknown
  beforeAll(async () => {
    try {
      real = await createTestDatabase()
    } catch (err) {
      failure = err
    }
  })
  afterAll(async () => { await real?.drop() })
  const get = (): TestDatabase => {
    if (real === undefined) throw failure ?? new Error('the test database is created in beforeAll')
    return real
  }
  return {
    get name () { return get().name },
    get host () { return get().host },
    get port () { return get().port },
    uri: () => get().uri(),
    options: overrides => get().options(overrides),
    storage: overrides => get().storage(overrides),
    query: async <T>(sql: string, params?: unknown[]) => get().query<T>(sql, params),
    drop: async () => get().drop()
  }
}

/**
 * Creates `gt_test_<random>` on the test server. Call in `beforeAll`, and `drop()` in `afterAll`.
 * @throws {Error} when no server answers, saying how to start one
 */
/** A database of its own for the calling test, dropped when the test finishes: for a test whose assertions count everything in it. */
export async function databaseOfThisTest (): Promise<TestDatabase> {
  const db = await createTestDatabase()
  onTestFinished(() => db.drop())
  return db
}

export async function createTestDatabase (): Promise<TestDatabase> {
  const settings = serverSettings()
  let admin: mysql.Connection
  try {
    admin = await mysql.createConnection({ ...settings, connectTimeout: 5000, charset: 'UTF8MB4_BIN', dateStrings: true })
  } catch (err) {
    throw new Error(`no MySQL server answers at ${settings.host}:${settings.port} as ${settings.user} ` +
      `(${(err as { code?: string }).code ?? (err as Error).message}). Start one with \`bash scripts/ensure-mysql.sh\`, ` +
      'or point GRAPH_TASK_MYSQL_URL at one (mysql://user:password@host:port/db)', { cause: err })
  }
  const name = `gt_test_${randomBytes(6).toString('hex')}`
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`)
  await admin.changeUser({ database: name })
  const storages: MySQLStorage[] = []
  const options = (overrides: MySQLStorageOptions = {}): MySQLStorageOptions => ({ ...settings, database: name, ...overrides })
  return {
    name,
    host: settings.host,
    port: settings.port,
    uri: () => `mysql://${encodeURIComponent(settings.user)}${settings.password === '' ? '' : `:${encodeURIComponent(settings.password)}`}@${settings.host}:${settings.port}/${name}`,
    options,
    storage (overrides) {
      const storage = new MySQLStorage(options(overrides))
      storages.push(storage)
      return storage
    },
    async query<T> (sql: string, params?: unknown[]): Promise<T> {
      const [rows] = await admin.query(sql, params)
      return rows as T
    },
    async drop () {
      await Promise.all(storages.map(s => s.close()))
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await admin.end()
    }
  }
}

/**
 * How many statements matching `like` (a LIKE pattern of their text) other sessions are
 * running on this test's database: read from information_schema.processlist, which the
 * server builds at each read. information_schema.innodb_trx is no way to see a lock wait
 * begin: InnoDB refreshes that table only after 100 ms without a read, so a poll (this
 * file's, or any other on the shared server) keeps serving the snapshot it first read.
 */
export async function runningStatements (db: TestDatabase, like: string): Promise<number> {
  const [{ n }] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.processlist ' +
    'WHERE db = ? AND command = \'Query\' AND info LIKE ? AND id <> CONNECTION_ID()', [db.name, like])
  return Number(n)
}

// Records made by hand, for tests of the storage in isolation.

/** `v8.serialize(value)` as a plain Uint8Array, the type storage reads back (a Buffer would not compare equal). */
export function serialized (value: unknown): Uint8Array {
  return new Uint8Array(v8.serialize(value))
}

/** Rounded to the microsecond, as the engine's clock gives times. */
function micros (ms: number): number {
  return Math.round(ms * 1000) / 1000
}

/** A 26-character id that sorts with `n`, like the engine's. */
export function executionId (n: number): string {
  return '01HZ' + String(n).padStart(22, '0')
}

// Fixture times sit a minute before this test run, on a whole second, so that they keep
// their microsecond fractions and MemoryStorage's retention (by age) never evicts them.
const kBase = Math.floor(Date.now() / 1000) * 1000 - 60_000

export function execution (n: number, fields: Partial<StoredExecution> = {}): StoredExecution {
  const startedAt = kBase + 361.549 + n * 1000
  return {
    executionId: executionId(n),
    workflowId: 'wf',
    workflowVersion: '1.0.0',
    definitionHash: 'ab'.repeat(32),
    status: 'success',
    instanceId: 'host:1234:abcd',
    input: serialized({ n }),
    startedAt,
    updatedAt: startedAt + 5.25,
    endedAt: startedAt + 5.25,
    totalTasks: 2,
    completedTasks: 2,
    failedTasks: 0,
    ...fields
  }
}

export function task (n: number, taskId: string, fields: Partial<TaskRecord> = {}): TaskRecord {
  const startedAt = kBase + 362.001 + n * 1000
  return {
    executionId: executionId(n),
    taskId,
    name: taskId,
    status: 'success',
    attempts: 1,
    startedAt,
    endedAt: startedAt + 1.5,
    duration: 1.5,
    output: serialized(taskId),
    ...fields
  }
}

/**
 * A task record as the recorder takes it: a TaskSource of one task. The engine
 * hands over its executions' live state; a test hands over a fixed record.
 */
export function source (record: TaskRecord): TaskSource {
  return { executionId: record.executionId, taskCount: 1, taskRecord: () => record, recordSize: () => record.output?.byteLength ?? 0 }
}

export function log (n: number, i: number, fields: Partial<LogEntry> = {}): LogEntry {
  return { executionId: executionId(n), time: micros(kBase + 362.001 + n * 1000 + i * 0.001), level: 'info', message: `line ${i}`, ...fields }
}

export function span (n: number, i: number, fields: Partial<SpanRecord> = {}): SpanRecord {
  const startTime = kBase + 362.001 + n * 1000 + i
  return {
    traceId: (String(n).padStart(4, '0') + 'f').repeat(8).slice(0, 32),
    spanId: (String(i).padStart(4, '0') + 'e').repeat(4).slice(0, 16),
    executionId: executionId(n),
    taskId: `t${i}`,
    name: `t${i}`,
    startTime,
    endTime: startTime + 0.5,
    statusCode: 'OK',
    attributes: { 'graph_task.task.attempt': 1, 'graph_task.task.run_ms': 0.5, ok: true },
    ...fields
  }
}

export function failureCase (n: number, fields: Partial<RetryRecord> = {}): RetryRecord {
  return {
    executionId: executionId(n), workflowId: 'wf', definitionHash: 'ab'.repeat(32), status: 'pending', reason: 'failed',
    errorCode: 'E', errorMessage: 'boom', failedAt: micros(kBase + 363.25 + n * 1000), updatedAt: micros(kBase + 363.25 + n * 1000),
    lastExecutionId: executionId(n), manualAttempts: 0, ...fields
  }
}
