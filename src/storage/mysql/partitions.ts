/**
 * Day partitions of the spans and logs tables (RANGE COLUMNS on their time column,
 * migration 004), so that removing a day is a metadata operation (DROP PARTITION)
 * instead of a DELETE that scans, locks and bloats InnoDB.
 *
 *   p20261128 | p20261129 | p20261130 (today) | p20261201 ... p20261207 (ahead) | pmax
 *   ◀─ dropped once its end is older than the cut        created ahead ─▶  catches the rest
 *
 * `pYYYYMMDD` holds the rows of that UTC day (the first partition also holds
 * everything older). `pmax` (MAXVALUE) is never dropped: a row whose day has no
 * partition yet lands there instead of being refused, and the next upkeep splits
 * it (REORGANIZE, a copy of pmax's rows only, which is empty when upkeep runs).
 */
import type { Session } from './pool.js'
import type { Row } from './sql.js'

const kDay = 86_400_000
/** Days created ahead of today, so that a storage that runs no upkeep for a week still writes into day partitions. */
const kAheadDays = 7
/** The most day partitions a migration makes for the history it finds; older rows share the first. */
const kMaxBackDays = 400
const kMaxValue = 'pmax'

/** One partition of a table, in order. */
export interface PartitionInfo {
  name: string
  /** Epoch ms of its exclusive upper bound; undefined for `pmax` (MAXVALUE). */
  below: number | undefined
  /** Rows as InnoDB estimates them. */
  rows: number
  /** Data and index bytes. */
  bytes: number
}

/** Midnight UTC of the day holding `ms`. */
function dayStart (ms: number): number {
  return Math.floor(ms / kDay) * kDay
}

function ymd (ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** The partitions for the days `from` to `to` (day starts, inclusive): `PARTITION pYYYYMMDD VALUES LESS THAN (next day)`. */
function dayPartitions (from: number, to: number): string[] {
  const out: string[] = []
  for (let day = from; day <= to; day += kDay) {
    out.push(`PARTITION p${ymd(day).replaceAll('-', '')} VALUES LESS THAN ('${ymd(day + kDay)} 00:00:00')`)
  }
  return out
}

/**
 * The partition list a migration gives `table`: a day partition from the day of its
 * oldest row (at most 400 days back, older rows sharing the first) to `kAheadDays`
 * after today, then pmax.
 */
export async function initialPartitions (run: Session['run'], table: string, column: string, now: number): Promise<string> {
  const [row] = await run(`SELECT MIN(${column}) AS oldest FROM ${table}`) as Row[]
  const today = dayStart(now)
  const oldest = row?.oldest === null || row?.oldest === undefined ? today : dayStart(Date.parse(String(row.oldest).replace(' ', 'T') + 'Z'))
  const from = Math.min(today, Math.max(oldest, today - kMaxBackDays * kDay))
  return [...dayPartitions(from, today + kAheadDays * kDay), `PARTITION ${kMaxValue} VALUES LESS THAN (MAXVALUE)`].join(',\n  ')
}

/** The partitions of `table` (its name unquoted) in `database`, in order; empty when it is not partitioned. */
export async function readPartitions (session: Session, database: string, table: string): Promise<PartitionInfo[]> {
  const rows = await session.run('SELECT partition_name AS name, partition_description AS bound, table_rows AS n, ' +
    'data_length + index_length AS bytes FROM information_schema.partitions WHERE table_schema = ? AND table_name = ? ' +
    'AND partition_name IS NOT NULL ORDER BY partition_ordinal_position', [database, table]) as Row[]
  return rows.map(r => ({ name: String(r.name), below: bound(String(r.bound)), rows: Number(r.n ?? 0), bytes: Number(r.bytes ?? 0) }))
}

// MariaDB writes a RANGE COLUMNS bound as it was given ('2026-12-01 00:00:00' or '2026-12-01'), quoted.
function bound (text: string): number | undefined {
  if (text === 'MAXVALUE') return undefined
  const s = text.replace(/^'|'$/g, '')
  return Date.parse((s.length === 10 ? `${s}T00:00:00` : s.replace(' ', 'T')) + 'Z')
}

/**
 * Splits pmax so that day partitions reach `kAheadDays` after the day of `now`.
 * Resolves with the partitions it created (none when they exist already).
 */
export async function createAhead (session: Session, quoted: string, partitions: readonly PartitionInfo[], now: number): Promise<string[]> {
  if (partitions.length === 0) return []
  const bounded = partitions.filter(p => p.below !== undefined)
  const last = bounded.length === 0 ? dayStart(now) : bounded[bounded.length - 1].below!
  const until = dayStart(now) + kAheadDays * kDay
  if (last > until) return []
  const created = dayPartitions(last, until)
  await session.run(`ALTER TABLE ${quoted} REORGANIZE PARTITION ${kMaxValue} INTO (${created.join(', ')}, ` +
    `PARTITION ${kMaxValue} VALUES LESS THAN (MAXVALUE))`)
  return created.map(p => p.split(' ')[1])
}

/** The day partitions whose every row is older than `cut` (their upper bound is at or before it). */
export function partitionsBefore (partitions: readonly PartitionInfo[], cut: number): PartitionInfo[] {
  return partitions.filter(p => p.below !== undefined && p.below <= cut)
}

/** Drops partitions: a metadata change (one brief exclusive metadata lock), whatever their size. */
export async function dropPartitions (session: Session, quoted: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return
  await session.run(`ALTER TABLE ${quoted} DROP PARTITION ${names.join(', ')}`)
}
