/**
 * Versioned schema migrations for MySQLStorage: `src/storage/mysql/migrations/NNN-name.sql`, shipped
 * with the package, applied in order and recorded in `<prefix>schema_migrations`.
 *
 * Two instances starting at once both call migrate(): a named lock (GET_LOCK,
 * held by the session, released by the server if the session dies) makes the
 * second wait and then find nothing to do.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RowDataPacket } from 'mysql2/promise'
import { ErrorCodes, StorageError } from '../../errors.js'
import { initialPartitions } from './partitions.js'
import { packageFile } from '../../package-root.js'

export interface Migration {
  version: number
  name: string
  /** Statements with the table prefix substituted. */
  statements: string[]
  checksum: string
}

/** What `migrate()` did. */
export interface MigrationResult {
  /** Schema version before, 0 for an empty database. */
  from: number
  /** Schema version now. */
  to: number
  /** Migrations applied by this call, e.g. `['001-initial']`; empty when the schema was current. */
  applied: string[]
}

/**
 * Runs one statement on the session that holds the migration lock (GET_LOCK is per
 * session, so every statement must go through the same connection).
 */
export type Run = (sql: string, params?: unknown[]) => Promise<unknown>

const kFilePattern = /^(\d{3})-([a-z0-9-]+)\.sql$/
// Re-running a migration that was cut half-way: an index or column it already added is not an error.
const kAlreadyDoneErrnos = new Set([1060, 1061])
// `{{partitions:spans:start_time}}`: a partition list computed from the table's rows when the statement runs.
const kPartitionsPlaceholder = /\{\{partitions:([a-z_]+):([a-z_]+)\}\}/g

/**
 * The migrations folder shipped with the package (package.json "files"), beside this
 * module in the source tree.
 */
export function migrationsDir (): string {
  const dir = packageFile('src/storage/mysql/migrations')
  if (dir === null || !existsSync(dir)) {
    throw new StorageError(ErrorCodes.STORAGE_ERROR,
      `cannot find graph-task's migrations folder above ${fileURLToPath(import.meta.url)}; it ships with the package (package.json "files")`)
  }
  return dir
}

/** Reads the migration files, in version order, with the prefix substituted. */
export async function loadMigrations (prefix: string): Promise<Migration[]> {
  const dir = migrationsDir()
  const files = (await readdir(dir)).filter(f => f.endsWith('.sql')).sort()
  const out: Migration[] = []
  for (const file of files) {
    const match = kFilePattern.exec(file)
    if (match === null) {
      throw new StorageError(ErrorCodes.STORAGE_ERROR, `migration file ${join(dir, file)} is not named NNN-name.sql`)
    }
    const text = await readFile(join(dir, file), 'utf8')
    const version = Number(match[1])
    if (out.length > 0 && out[out.length - 1].version === version) {
      throw new StorageError(ErrorCodes.STORAGE_ERROR, `two migrations have version ${version} in ${dir}`)
    }
    out.push({
      version,
      name: file.slice(0, -4),
      statements: splitStatements(text.replaceAll('{{prefix}}', prefix)),
      checksum: createHash('sha256').update(text).digest('hex')
    })
  }
  return out
}

/** Statements end with `;` at the end of a line; whole-line `--` comments are dropped. */
export function splitStatements (sql: string): string[] {
  const statements: string[] = []
  let current: string[] = []
  for (const line of sql.split('\n')) {
    const trimmed = line.trim()
    if (trimmed.startsWith('--') || (trimmed === '' && current.length === 0)) continue
    current.push(line)
    if (trimmed.endsWith(';')) {
      statements.push(current.join('\n').trim().slice(0, -1))
      current = []
    }
  }
  if (current.join('').trim() !== '') statements.push(current.join('\n').trim())
  return statements
}

function table (prefix: string): string {
  return `\`${prefix}schema_migrations\``
}

async function ensureVersionTable (run: Run, prefix: string): Promise<void> {
  await run(`CREATE TABLE IF NOT EXISTS ${table(prefix)} (
    version    INT UNSIGNED NOT NULL,
    name       VARCHAR(255) NOT NULL,
    checksum   CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    applied_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (version)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`)
}

async function appliedVersions (run: Run, prefix: string): Promise<Set<number>> {
  try {
    const rows = await run(`SELECT version FROM ${table(prefix)}`) as RowDataPacket[]
    return new Set(rows.map(r => Number(r.version)))
  } catch (err) {
    // ER_NO_SUCH_TABLE: a database never migrated.
    if ((err as { errno?: number }).errno === 1146) return new Set()
    throw err
  }
}

function tooNew (database: string, prefix: string, found: number, known: number): StorageError {
  return new StorageError(ErrorCodes.SCHEMA_TOO_NEW,
    `database "${database}" (tables ${prefix}*) has schema version ${found}, newer than this graph-task knows (up to ${known}): ` +
    'it was migrated by a newer release. Upgrade graph-task on this instance, or use another database or tablePrefix')
}

/**
 * Applies every migration not yet applied, under a named lock that another instance
 * may hold for at most `lockWait` seconds.
 * @throws {StorageError} SCHEMA_TOO_NEW when the database is ahead of this code
 */
export async function runMigrations (run: Run, database: string, prefix: string, lockWait: number): Promise<MigrationResult> {
  const migrations = await loadMigrations(prefix)
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version
  // GET_LOCK names are at most 64 characters: hash the database and prefix.
  const lock = 'graph-task:migrate:' + createHash('sha256').update(`${database}\0${prefix}`).digest('hex').slice(0, 40)
  const [got] = await run('SELECT GET_LOCK(?, ?) AS got', [lock, lockWait]) as RowDataPacket[]
  if (got.got !== 1) {
    throw new StorageError(ErrorCodes.STORAGE_UNAVAILABLE,
      `migrate: another instance has held the migration lock of database "${database}" (tables ${prefix}*) for ${lockWait} s`)
  }
  try {
    await ensureVersionTable(run, prefix)
    const applied = await appliedVersions(run, prefix)
    const from = Math.max(0, ...applied)
    if (from > known) throw tooNew(database, prefix, from, known)
    const result: MigrationResult = { from, to: from, applied: [] }
    for (const m of migrations) {
      if (applied.has(m.version)) continue
      for (const statement of m.statements) {
        try {
          await run(await expandPartitions(run, prefix, statement))
        } catch (err) {
          if (!kAlreadyDoneErrnos.has((err as { errno?: number }).errno ?? 0)) {
            throw new StorageError(ErrorCodes.STORAGE_ERROR,
              `migration ${m.name} failed: ${(err as Error).message}\nin: ${statement.slice(0, 200)}`, { cause: err })
          }
        }
      }
      await run(`INSERT INTO ${table(prefix)} (version, name, checksum, applied_at) VALUES (?, ?, ?, UTC_TIMESTAMP(6))`,
        [m.version, m.name, m.checksum])
      result.applied.push(m.name)
      result.to = Math.max(result.to, m.version)
    }
    return result
  } finally {
    await run('SELECT RELEASE_LOCK(?)', [lock]).catch(() => {})
  }
}

async function expandPartitions (run: Run, prefix: string, statement: string): Promise<string> {
  let out = statement
  for (const [placeholder, table, column] of statement.matchAll(kPartitionsPlaceholder)) {
    out = out.replace(placeholder, await initialPartitions(run, `\`${prefix}${table}\``, `\`${column}\``, Date.now()))
  }
  return out
}

/**
 * Checks, without changing anything, that the schema is the one this code writes.
 * @throws {StorageError} SCHEMA_TOO_NEW when ahead, STORAGE_ERROR when migrations are pending
 */
export async function checkSchema (run: Run, database: string, prefix: string): Promise<number> {
  const migrations = await loadMigrations(prefix)
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version
  const applied = await appliedVersions(run, prefix)
  const version = Math.max(0, ...applied)
  if (version > known) throw tooNew(database, prefix, version, known)
  const missing = migrations.filter(m => !applied.has(m.version)).map(m => m.name)
  if (missing.length > 0) {
    throw new StorageError(ErrorCodes.STORAGE_ERROR,
      `database "${database}" (tables ${prefix}*) lacks migrations ${missing.join(', ')}: run storage.migrate() or \`graph-task db migrate\`, or set autoMigrate`)
  }
  return version
}
