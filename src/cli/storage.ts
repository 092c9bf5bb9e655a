import { ErrorCodes, StorageError } from '../errors.js'
import type { ExecutionStorage } from '../storage/storage.js'

/** A command that could not do its work: one line on stderr, exit code 1, no stack. */
export class CommandError extends Error {}

/**
 * MySQL storage from `--mysql` or GRAPH_TASK_MYSQL_URL; undefined for the in-memory default.
 * The server is reached here, before any engine starts, so that an unreachable one is
 * one line of advice rather than warnings from every part that would use it. `run`
 * (commands that run workflows) migrates the schema when it lacks migrations; `record`
 * writes to a schema that must exist already; `read` opens it for reading only: the
 * schema is checked, never created or migrated, and nothing is written (MySQLStorage's readOnly).
 * @throws {CommandError} when the server cannot be reached or its schema cannot be used
 */
export async function openStorage (uri: string | undefined, access: 'read' | 'record' | 'run' = 'run'): Promise<ExecutionStorage | undefined> {
  const url = uri ?? process.env.GRAPH_TASK_MYSQL_URL
  if (url === undefined || url === '') return undefined
  const { MySQLStorage } = await import('../storage/mysql/mysql-storage.js')
  const storage = new MySQLStorage({ uri: url, autoMigrate: access === 'run', readOnly: access === 'read' })
  try {
    await storage.init()
  } catch (err) {
    await storage.close().catch(() => {})
    throw new CommandError(storageFailure(storage.target, err))
  }
  return storage
}

/** One line saying why the server at `target` could not be used, and what to do about an unreachable one. */
export function storageFailure (target: string, err: unknown): string {
  if (err instanceof StorageError && err.code === ErrorCodes.STORAGE_UNAVAILABLE) {
    const driverCode = (err.cause as { code?: unknown } | undefined)?.code
    return `cannot reach MySQL at ${target}${typeof driverCode === 'string' ? ` (${driverCode})` : ''}: ` +
      'start a MySQL or MariaDB server there, or pass --mysql <uri> (or set GRAPH_TASK_MYSQL_URL) for one that runs'
  }
  const e = err as { code?: string, message?: string }
  return `MySQL at ${target}: ${e.code !== undefined ? `${e.code}: ` : ''}${e.message ?? String(err)}`
}
