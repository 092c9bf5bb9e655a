import { MySQLStorage, type PurgeResult, type StorageStats } from '../storage/mysql.js'
import { parseDuration } from '../storage/retention-options.js'
import { UsageError, table, toJson, type CommonFlags } from './common.js'

/** Flags of `db`: `--older-than` and `--dry-run` are for `db purge`. */
export interface DbFlags extends CommonFlags {
  'older-than'?: string
  'dry-run'?: boolean
}

const kUsage = 'usage: graph-task db migrate|stats --mysql <uri>, or graph-task db purge --mysql <uri> --older-than 7d [--dry-run]'

/**
 * `graph-task db migrate` applies the schema migrations; `db purge --older-than 7d`
 * removes the history older than that (`--dry-run`: counts it); `db stats` shows
 * rows, bytes, oldest and newest records and partitions per table.
 */
export async function dbCommand (args: string[], flags: DbFlags): Promise<number> {
  const [sub, ...extra] = args
  if (extra.length > 0 || !['migrate', 'purge', 'stats'].includes(sub)) throw new UsageError(kUsage)
  if (sub !== 'purge' && (flags['older-than'] !== undefined || flags['dry-run'] === true)) {
    throw new UsageError(`--older-than and --dry-run are options of db purge, not db ${sub}`)
  }
  const uri = flags.mysql ?? process.env.GRAPH_TASK_MYSQL_URL
  if (uri === undefined || uri === '') throw new UsageError(`db ${sub} needs --mysql <uri> or GRAPH_TASK_MYSQL_URL`)
  let olderThan: number | undefined
  if (sub === 'purge') {
    if (flags['older-than'] === undefined) throw new UsageError('db purge needs --older-than <age>, e.g. --older-than 7d')
    try {
      olderThan = parseDuration(flags['older-than'], '--older-than')
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
  }
  const storage = new MySQLStorage({ uri, autoMigrate: false })
  try {
    if (sub === 'migrate') {
      const { from, to, applied } = await storage.migrate()
      process.stdout.write(applied.length === 0
        ? `schema is up to date (version ${to})\n`
        : `schema version ${from} -> ${to}: applied ${applied.join(', ')}\n`)
      return 0
    }
    if (sub === 'stats') {
      const stats = await storage.stats()
      process.stdout.write(flags.json === true ? toJson(stats) + '\n' : formatStats(stats))
      return 0
    }
    const result = await storage.purge({ olderThan, dryRun: flags['dry-run'] === true })
    process.stdout.write(flags.json === true ? toJson(result) + '\n' : formatPurge(result))
    // Another instance held the lease: nothing was done, which the caller may want to know.
    return result.ran ? 0 : 1
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
    ['logs', String(r.removed.logs), dropped(r.partitionsDropped.logs)]
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
