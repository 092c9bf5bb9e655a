import { MySQLStorage, type PurgeResult, type StorageStats } from '../storage/mysql/mysql-storage.js'
import { parseDuration } from '../storage/retention-options.js'
import { usage, type Command } from './command.js'
import { kJsonFlags, kStorageFlags, table, toJson, type CommonFlags } from './common.js'
import { CommandError, storageFailure } from './storage.js'

/** Flags of `db purge`. */
interface PurgeFlags extends CommonFlags {
  'older-than'?: string
  'dry-run'?: boolean
}

/** `graph-task db migrate`: applies the schema migrations to the MySQL database. */
export const dbMigrateCommand: Command = {
  name: 'db migrate',
  args: '',
  summary: 'Applies the schema migrations that the MySQL database lacks.',
  flags: kStorageFlags,
  run: (args, flags) => withStorage('db migrate', args, flags as CommonFlags, {}, async storage => {
    const { from, to, applied } = await storage.migrate()
    process.stdout.write(applied.length === 0
      ? `schema is up to date (version ${to})\n`
      : `schema version ${from} -> ${to}: applied ${applied.join(', ')}\n`)
    return 0
  })
}

/** `graph-task db purge --older-than 7d [--dry-run]`: removes (or counts) the history older than that. */
export const dbPurgeCommand: Command = {
  name: 'db purge',
  args: '',
  summary: 'Removes the history older than --older-than (open failure cases and what they point at stay).',
  flags: {
    ...kStorageFlags,
    'older-than': { type: 'string', value: 'age', help: 'age past which history is removed: 7d, 12h, 30m' },
    'dry-run': { type: 'boolean', help: 'count what would be removed and change nothing' },
    ...kJsonFlags
  },
  run: async (args, flags) => {
    const f = flags as PurgeFlags
    if (f['older-than'] === undefined) throw usage('db purge', 'db purge needs --older-than <age>, e.g. --older-than 7d')
    let olderThan: number
    try {
      olderThan = parseDuration(f['older-than'], '--older-than')
    } catch (err) {
      throw usage('db purge', (err as Error).message)
    }
    return withStorage('db purge', args, f, {}, async storage => {
      const result = await storage.purge({ olderThan, dryRun: f['dry-run'] === true })
      process.stdout.write(f.json === true ? toJson(result) + '\n' : formatPurge(result))
      // Another instance held the lease: nothing was done, which the caller may want to know.
      return result.ran ? 0 : 1
    })
  }
}

/** `graph-task db stats`: rows, bytes, oldest and newest records and partitions per table. */
export const dbStatsCommand: Command = {
  name: 'db stats',
  args: '',
  summary: 'Shows rows, bytes, oldest and newest records and partitions of each history table.',
  flags: { ...kStorageFlags, ...kJsonFlags },
  run: (args, flags) => withStorage('db stats', args, flags as CommonFlags, { readOnly: true }, async storage => {
    const stats = await storage.stats()
    process.stdout.write(flags.json === true ? toJson(stats) + '\n' : formatStats(stats))
    return 0
  })
}

/** Flags of `cache clear`. */
interface CacheClearFlags extends CommonFlags {
  workflow?: string
  task?: string
}

/** `graph-task cache clear [--workflow id] [--task id]`: removes cached task results from the MySQL database. */
export const cacheClearCommand: Command = {
  name: 'cache clear',
  args: '',
  summary: 'Removes cached task results (every one, or those of --workflow and --task) from the MySQL database.',
  flags: {
    ...kStorageFlags,
    workflow: { type: 'string', value: 'id', help: 'only the results of tasks of this workflow' },
    task: { type: 'string', value: 'id', help: 'only the results of this task' },
    ...kJsonFlags
  },
  run: (args, flags) => withStorage('cache clear', args, flags as CommonFlags, {}, async storage => {
    const f = flags as CacheClearFlags
    const removed = await storage.clearCachedResults({
      ...(f.workflow === undefined ? {} : { workflowId: f.workflow }),
      ...(f.task === undefined ? {} : { taskId: f.task })
    })
    process.stdout.write(f.json === true ? toJson({ removed }) + '\n' : `removed ${removed} cached result${removed === 1 ? '' : 's'}\n`)
    return 0
  })
}

/** Opens the storage of `--mysql` for one `db` command; a server that does not answer is one line, exit 1. */
async function withStorage (name: string, args: string[], flags: CommonFlags, access: { readOnly?: boolean },
  work: (storage: MySQLStorage) => Promise<number>): Promise<number> {
  if (args.length > 0) throw usage(name, `unexpected arguments: ${args.join(' ')}`)
  const uri = flags.mysql ?? process.env.GRAPH_TASK_MYSQL_URL
  if (uri === undefined || uri === '') throw usage(name, `${name} needs --mysql <uri> or GRAPH_TASK_MYSQL_URL`)
  const storage = new MySQLStorage({ uri, autoMigrate: false, ...access })
  try {
    return await work(storage).catch((err: unknown) => {
      if (err instanceof CommandError) throw err
      throw new CommandError(storageFailure(storage.target, err))
    })
  } finally {
    await storage.close()
  }
}

function formatPurge (r: PurgeResult): string {
  if (!r.ran) return 'another instance is purging this database (it holds the purge lease): nothing done\n'
  const cut = r.cut.executions ?? r.cut.spans ?? r.cut.logs
  const head = `${r.dryRun ? 'would remove' : 'removed'} what is older than ${cut === undefined ? '-' : new Date(cut).toISOString()}\n`
  const dropped = (names: string[]): string => names.length === 0 ? '' : `${r.dryRun ? 'partitions' : 'dropped'} ${names.join(', ')}`
  const rows = [
    ['table', 'rows', ''],
    ['executions', String(r.removed.executions), ''],
    ['task_results', String(r.removed.taskResults), ''],
    ['blobs', String(r.removed.blobs), ''],
    ['retry_records', String(r.removed.retryRecords), 'closed cases only'],
    ['spans', String(r.removed.spans), dropped(r.partitionsDropped.spans)],
    ['logs', String(r.removed.logs), dropped(r.partitionsDropped.logs)],
    ['result_cache', String(r.removed.cachedResults), 'cached results made before the cut']
  ]
  return head + table(rows) + '\n'
}

function formatStats (s: StorageStats): string {
  const time = (ms: number | undefined): string => ms === undefined ? '-' : new Date(ms).toISOString()
  const rows = [['table', 'rows (est.)', 'bytes', 'oldest', 'newest', 'partitions']]
  for (const t of s.tables) {
    rows.push([t.table, String(t.rows), bytes(t.bytes), time(t.oldest), time(t.newest), t.partitions === undefined ? '-' : String(t.partitions.length)])
  }
  let out = `database ${s.database}, tables ${s.tablePrefix}*\n${table(rows)}\n`
  for (const t of s.tables) {
    if (t.partitions === undefined || t.partitions.length === 0) continue
    const held = t.partitions.filter(p => p.rows > 0).map(p => `${p.name} (${p.rows})`)
    out += `${t.table}: ${t.partitions[0].name} .. ${t.partitions[t.partitions.length - 1].name}; holding rows: ${held.length === 0 ? 'none' : held.join(', ')}\n`
  }
  return out
}

function bytes (n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`
}
