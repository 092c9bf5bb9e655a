import { readdir, readFile } from 'node:fs/promises'
import { describe, expect, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { executionId, log, span, useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()
const kDay = 86_400_000
const today = Math.floor(Date.now() / kDay) * kDay
const time = (text: unknown): number => Date.parse(String(text).replace(' ', 'T') + 'Z')
const sql = (ms: number): string => new Date(ms).toISOString().slice(0, 23).replace('T', ' ')
const name = (day: number): string => 'p' + new Date(day).toISOString().slice(0, 10).replaceAll('-', '')

async function partitions (table: string): Promise<string[]> {
  const rows = await db.query<RowDataPacket[]>('SELECT partition_name AS p FROM information_schema.partitions WHERE table_schema = ? AND table_name = ? ' +
    'ORDER BY partition_ordinal_position', [db.name, table])
  return rows.map(r => r.p as string)
}

async function spanDays (table: string): Promise<number[]> {
  const rows = await db.query<RowDataPacket[]>(`SELECT execution_id AS id FROM ${table} ORDER BY id`)
  return rows.map(r => Number(String(r.id).slice(4)))
}

/** Tables at schema version 3, as a release before partitions left them. */
async function schemaVersion3 (prefix: string): Promise<void> {
  const dir = new URL('../src/storage/mysql/migrations/', import.meta.url)
  const files = (await readdir(dir)).filter(f => /^00[123]-/.test(f)).sort()
  await db.query(`CREATE TABLE ${prefix}schema_migrations (version INT UNSIGNED NOT NULL, name VARCHAR(255) NOT NULL, ` +
    'checksum CHAR(64) CHARACTER SET ascii NOT NULL, applied_at DATETIME(6) NOT NULL, PRIMARY KEY (version))')
  for (const [i, file] of files.entries()) {
    const text = (await readFile(new URL(file, dir), 'utf8')).replaceAll('{{prefix}}', prefix)
    const body = text.split('\n').filter(l => !l.trim().startsWith('--')).join('\n')
    for (const statement of body.split(/;\s*$/m).filter(s => s.trim() !== '')) await db.query(statement)
    await db.query(`INSERT INTO ${prefix}schema_migrations VALUES (?, ?, REPEAT('0', 64), UTC_TIMESTAMP(6))`, [i + 1, file.slice(0, -4)])
  }
}

describe('day partitions of spans and logs', () => {
  test('a purge drops whole days whose end is before the cut, and never a row of a later day', async () => {
    const storage = db.storage({ tablePrefix: 'p1_' })
    // Spans and logs of execution n on day today + n, an hour into the day (today's partition is the first, which also holds anything older).
    const at = (n: number): number => today + n * kDay + 3_600_000
    await storage.writeSpans([0, 1, 2, 3].map(n => span(n, 1, { startTime: at(n), endTime: at(n) + 1 })))
    await storage.writeLogs([0, 1, 2, 3].map(n => log(n, 1, { time: at(n) })))
    const result = await storage.purge({ before: today + 3 * kDay })
    const dropped = [0, 1, 2].map(n => name(today + n * kDay))
    expect(result).toMatchObject({ ran: true, partitionsDropped: { spans: dropped, logs: dropped } })
    expect(await spanDays('p1_spans')).toEqual([3])
    expect(await spanDays('p1_logs')).toEqual([3])
    // A cut inside day 3, after its row: the day is not over, so the row stays (removed at most a day late, never early).
    expect((await storage.purge({ before: at(3) + 60_000 })).partitionsDropped).toEqual({ spans: [], logs: [] })
    expect(await spanDays('p1_spans')).toEqual([3])
    expect((await partitions('p1_spans')).at(-1)).toBe('pmax')
    expect(await storage.getSpans(executionId(3))).toHaveLength(1)
  })

  test('partitions are kept a week ahead, and a row past them is kept in pmax rather than refused', async () => {
    const storage = db.storage({ tablePrefix: 'p2_' })
    await storage.init()
    expect(await partitions('p2_spans')).toEqual([...Array.from({ length: 8 }, (_, n) => name(today + n * kDay)), 'pmax'])
    const far = today + 9 * kDay + 60_000
    await storage.writeSpans([span(9, 1, { startTime: far, endTime: far })])
    const result = await storage.purge({ before: today - kDay, dryRun: false })
    expect(result.partitionsCreated.spans).toEqual([]) // up to date: pmax keeps the row until today moves on
    expect(await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM p2_spans PARTITION (pmax)')).toEqual([{ n: 1 }])
  })

  test('the partition migration on a populated database keeps every row and puts each in its day', { timeout: 60_000 }, async () => {
    await schemaVersion3('p3_')
    // 5,000 spans and log lines, one every 800 s back from now: about 46 days.
    await db.query('INSERT INTO p3_spans SELECT LPAD(seq DIV 10, 26, \'0\'), LPAD(HEX(seq), 16, \'0\'), REPEAT(\'a\', 32), NULL, NULL, ' +
      'CONCAT(\'t\', seq), UTC_TIMESTAMP(6) - INTERVAL seq * 800 SECOND, UTC_TIMESTAMP(6) - INTERVAL seq * 800 SECOND, \'OK\', NULL, \'{}\', NULL FROM seq_1_to_5000')
    await db.query('INSERT INTO p3_logs SELECT LPAD(seq DIV 10, 26, \'0\'), seq, NULL, NULL, UTC_TIMESTAMP(6) - INTERVAL seq * 800 SECOND, ' +
      '\'info\', 30, CONCAT(\'line \', seq), NULL FROM seq_1_to_5000')
    const digest = async (table: string, time: string): Promise<unknown> => (await db.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS(',', execution_id, ${time}, ${table === 'p3_spans' ? 'span_id, name' : 'seq, message'}))) AS crc FROM ${table}`))[0]
    const before = [await digest('p3_spans', 'start_time'), await digest('p3_logs', '`time`')]
    const [{ first }] = await db.query<RowDataPacket[]>('SELECT MIN(start_time) AS first FROM p3_spans')
    const oldest = Math.floor(time(first) / kDay) * kDay
    const storage = db.storage({ tablePrefix: 'p3_' })
    // From version 3, the partitions migration runs next (later ones follow it).
    const migrated = await storage.migrate()
    expect([migrated.from, migrated.applied[0]]).toEqual([3, '004-time-partitions'])
    expect([await digest('p3_spans', 'start_time'), await digest('p3_logs', '`time`')]).toEqual(before)
    const days = Array.from({ length: (today - oldest) / kDay + 8 }, (_, n) => oldest + n * kDay)
    expect(await partitions('p3_spans')).toEqual([...days.map(name), 'pmax'])
    expect(await partitions('p3_logs')).toEqual([...days.map(name), 'pmax'])
    for (const day of days) {
      const [{ n }] = await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM p3_spans PARTITION (${name(day)}) WHERE start_time < ? OR start_time >= ?`,
        [sql(day), sql(day + kDay)])
      expect(n).toBe(0)
    }
    // Thirty days of retention: whole days before the cut's day go, every row newer than the cut stays.
    const cut = Date.now() - 30 * kDay
    const newer = async (): Promise<unknown> => (await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM p3_spans WHERE start_time >= ?', [sql(cut)]))[0]
    const kept = await newer()
    await storage.purge({ olderThan: '30d' })
    expect(await newer()).toEqual(kept)
    const [{ rest }] = await db.query<RowDataPacket[]>('SELECT MIN(start_time) AS rest FROM p3_spans')
    expect(time(rest)).toBeGreaterThanOrEqual(Math.floor(cut / kDay) * kDay)
  })
})
