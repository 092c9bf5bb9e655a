/**
 * What MySQLStorage's tables hold: rows and bytes from information_schema (InnoDB's
 * estimates, read without touching the tables), the oldest and newest record where
 * an index or a partition makes that cheap, and the day partitions of spans and logs.
 */
import type { Session } from './pool.js'
import { readTime, type Row } from './sql.js'
import { readPartitions, type PartitionInfo } from './partitions.js'

/** One table of the storage. */
export interface TableStats {
  /** Its name, with the prefix. */
  table: string
  /** Rows as InnoDB estimates them (exact for small tables, within some percent for large ones). */
  rows: number
  /** Data and index bytes on disk. */
  bytes: number
  /** Time of its oldest record, epoch ms; absent when empty or when the table has no time to go by. */
  oldest?: number
  /** Time of its newest record, epoch ms. */
  newest?: number
  /** Day partitions, oldest first (spans and logs). */
  partitions?: PartitionInfo[]
}

/** `storage.stats()`. */
export interface StorageStats {
  database: string
  tablePrefix: string
  tables: TableStats[]
}

// The time column of each table that has one worth reporting, and whether it is partitioned by it.
const kTimes: Readonly<Record<string, { column: string, partitioned?: true }>> = Object.freeze({
  executions: { column: 'started_at' },
  retry_records: { column: 'failed_at' },
  instances: { column: 'heartbeat_at' },
  logs: { column: '`time`', partitioned: true },
  spans: { column: 'start_time', partitioned: true }
})

/** Reads the statistics of every table of `prefix` in `database`. */
export async function readStats (session: Session, database: string, prefix: string): Promise<StorageStats> {
  const rows = await session.run('SELECT table_name AS name, table_rows AS n, data_length + index_length AS bytes ' +
    'FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ? ORDER BY table_name',
  [database, prefix.replaceAll('_', '\\_') + '%']) as Row[]
  const tables: TableStats[] = []
  for (const row of rows) {
    const name = String(row.name)
    const stats: TableStats = { table: name, rows: Number(row.n ?? 0), bytes: Number(row.bytes ?? 0) }
    const time = kTimes[name.slice(prefix.length)]
    const quoted = `\`${name}\``
    if (time?.partitioned === true) {
      stats.partitions = await readPartitions(session, database, name)
      Object.assign(stats, await partitionedSpan(session, quoted, time.column, stats.partitions))
    } else if (time !== undefined) {
      const [span] = await session.run(`SELECT MIN(${time.column}) AS oldest, MAX(${time.column}) AS newest FROM ${quoted}`) as Row[]
      setTimes(stats, span.oldest, span.newest)
    }
    tables.push(stats)
  }
  return { database, tablePrefix: prefix, tables }
}

// The oldest and newest rows, found in the first and last partitions that hold any:
// each end scans one partition, never the table.
async function partitionedSpan (session: Session, quoted: string, column: string, partitions: PartitionInfo[]): Promise<Pick<TableStats, 'oldest' | 'newest'>> {
  const out: Pick<TableStats, 'oldest' | 'newest'> = {}
  const holds = async (name: string): Promise<boolean> => (await session.run(`SELECT 1 FROM ${quoted} PARTITION (${name}) LIMIT 1`) as Row[]).length > 0
  const first = await find(partitions, holds)
  if (first === undefined) return out
  const last = await find([...partitions].reverse(), holds)
  const [lo] = await session.run(`SELECT MIN(${column}) AS t FROM ${quoted} PARTITION (${first})`) as Row[]
  const [hi] = await session.run(`SELECT MAX(${column}) AS t FROM ${quoted} PARTITION (${last!})`) as Row[]
  setTimes(out, lo.t, hi.t)
  return out
}

async function find (partitions: PartitionInfo[], holds: (name: string) => Promise<boolean>): Promise<string | undefined> {
  for (const p of partitions) if (await holds(p.name)) return p.name
  return undefined
}

function setTimes (stats: Pick<TableStats, 'oldest' | 'newest'>, oldest: unknown, newest: unknown): void {
  const o = readTime(oldest)
  const n = readTime(newest)
  if (o !== undefined) stats.oldest = o
  if (n !== undefined) stats.newest = n
}
