import { describe, expect, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { ErrorCodes, StorageError } from '../dist/index.js'
import { useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()

async function tables (prefix: string): Promise<string[]> {
  const rows = await db.query<RowDataPacket[]>(
    'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ? ORDER BY table_name',
    [db.name, `${prefix.replaceAll('_', '\\_')}%`])
  return rows.map(r => r.t as string)
}

describe('MySQL schema migrations', () => {
  test('init() creates every table and records each migration once', async () => {
    const storage = db.storage({ tablePrefix: 'm1_' })
    await storage.init()
    expect(await tables('m1_')).toEqual([
      'm1_blobs', 'm1_executions', 'm1_instances', 'm1_logs', 'm1_result_cache', 'm1_result_cache_parts', 'm1_retry_records', 'm1_schema_migrations', 'm1_spans', 'm1_task_results', 'm1_workflow_shapes'
    ])
    const versions = await db.query<RowDataPacket[]>('SELECT version, name FROM m1_schema_migrations ORDER BY version')
    expect(versions.map(v => [v.version, v.name])).toEqual([[1, '001-initial'], [2, '002-retry-records'], [3, '003-value-parts'], [4, '004-time-partitions'], [5, '005-console-indexes'], [6, '006-delivery-fence'], [7, '007-start-order'], [8, '008-map-instances'], [9, '009-workflow-shapes'], [10, '010-result-cache']])
  })

  test('migrate() is idempotent: a second run applies nothing', async () => {
    const storage = db.storage({ tablePrefix: 'm2_' })
    expect(await storage.migrate()).toEqual({ from: 0, to: 10, applied: ['001-initial', '002-retry-records', '003-value-parts', '004-time-partitions', '005-console-indexes', '006-delivery-fence', '007-start-order', '008-map-instances', '009-workflow-shapes', '010-result-cache'] })
    expect(await storage.migrate()).toEqual({ from: 10, to: 10, applied: [] })
    await storage.init()
    const [{ n }] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM m2_schema_migrations')
    expect(n).toBe(10)
  })

  test('two instances migrating the same empty database at once both succeed, and each migration runs once', async () => {
    const a = db.storage({ tablePrefix: 'm3_' })
    const b = db.storage({ tablePrefix: 'm3_' })
    const [ra, rb] = await Promise.all([a.migrate(), b.migrate()])
    expect([...ra.applied, ...rb.applied].sort()).toEqual(['001-initial', '002-retry-records', '003-value-parts', '004-time-partitions', '005-console-indexes', '006-delivery-fence', '007-start-order', '008-map-instances', '009-workflow-shapes', '010-result-cache'])
    expect([ra.to, rb.to]).toEqual([10, 10])
  })

  test('every table is utf8mb4 and InnoDB', async () => {
    await db.storage({ tablePrefix: 'm4_' }).init()
    const rows = await db.query<RowDataPacket[]>(
      'SELECT table_name AS t, engine, table_collation AS c FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?',
      [db.name, 'm4\\_%'])
    expect(rows).toHaveLength(11)
    for (const row of rows) expect({ t: row.t, engine: row.engine, c: row.c }).toEqual({ t: row.t, engine: 'InnoDB', c: 'utf8mb4_bin' })
  })

  test('a database migrated by a newer release is refused with SCHEMA_TOO_NEW', async () => {
    await db.storage({ tablePrefix: 'm5_' }).init()
    await db.query("INSERT INTO m5_schema_migrations VALUES (999, '999-from-the-future', REPEAT('0', 64), UTC_TIMESTAMP(6))")
    const err = await db.storage({ tablePrefix: 'm5_' }).init().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StorageError)
    expect((err as StorageError).code).toBe(ErrorCodes.SCHEMA_TOO_NEW)
    expect((err as Error).message).toMatch(/schema version 999, newer than this graph-task knows \(up to 10\)/)
    expect((err as Error).message).toContain(db.name)
  })

  test('with autoMigrate off, init() on an unmigrated database says which migrations to run and creates nothing', async () => {
    const err = await db.storage({ tablePrefix: 'm6_', autoMigrate: false }).init().catch((e: unknown) => e)
    expect((err as StorageError).code).toBe(ErrorCodes.STORAGE_ERROR)
    expect((err as Error).message).toMatch(/lacks migrations 001-initial, 002-retry-records, 003-value-parts, 004-time-partitions, 005-console-indexes, 006-delivery-fence, 007-start-order, 008-map-instances, 009-workflow-shapes, 010-result-cache: run storage\.migrate\(\)/)
    expect(await tables('m6_')).toEqual([])
  })
})
