import v8 from 'node:v8'
import { describe, expect, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { createWorkflow } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'

// A large output goes to MySQL in parts of at most 256 KiB, each a prepared
// statement with binary bytes: no hex text of it is built on the main thread (counted).

const db = useTestDatabase()
const BYTES = 1024 * 1024

describe('large values in MySQL storage', () => {
  test('a 1 MiB output is written in parts of at most 256 KiB, with no copy or hex text on the main thread', async () => {
    const engine = startEngine({ storage: db.storage({ tablePrefix: 'lv_' }) })
    await engine.publishWorkflow(createWorkflow('big')
      .addTask('bytes', { handler: subject('buffer.mjs'), input: { bytes: BYTES } })
      .addTask('sum', { handler: subject('buffer.mjs#sum'), dependsOn: ['bytes'], input: { from: 'bytes' } }).build())
    const before = engine.stats().scheduler.largeValueCopies
    const result = await engine.execute('big')
    await engine.flush()
    expect(engine.stats().scheduler.largeValueCopies - before).toBe(0)
    expect(result.tasks.sum.output).toBe((BYTES / 256) * 32_640)
    const parts = await db.query<RowDataPacket[]>(
      'SELECT part, LENGTH(bytes) AS size FROM lv_blobs WHERE execution_id = ? AND task_id = ? ORDER BY part', [result.executionId, 'bytes'])
    expect(parts.length).toBeGreaterThanOrEqual(4)
    expect(Math.max(...parts.map(p => Number(p.size)))).toBeLessThanOrEqual(256 * 1024)
    expect(parts.map(p => p.part)).toEqual(parts.map((_, i) => i))
  })

  test('the output read back from its parts is the value the task returned', async () => {
    const storage = db.storage({ tablePrefix: 'lr_' })
    const engine = startEngine({ storage })
    await engine.publishWorkflow(createWorkflow('big').addTask('bytes', { handler: subject('buffer.mjs'), input: { bytes: BYTES } }).build())
    const result = await engine.execute('big')
    await engine.flush()
    const [record] = await storage.getTaskResults(result.executionId)
    const back = v8.deserialize(record.output!) as Uint8Array
    expect(back.byteLength).toBe(BYTES)
    let wrong = 0
    for (let i = 0; i < back.length; i++) if (back[i] !== (i & 0xff)) wrong++
    expect(wrong).toBe(0)
  })

  test('a value under 64 KiB stays inline in its row', async () => {
    const engine = startEngine({ storage: db.storage({ tablePrefix: 'ls_' }) })
    await engine.publishWorkflow(createWorkflow('small').addTask('bytes', { handler: subject('buffer.mjs'), input: { bytes: 1000 } }).build())
    const result = await engine.execute('small')
    await engine.flush()
    const [{ parts }] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS parts FROM ls_blobs WHERE execution_id = ?', [result.executionId])
    expect(Number(parts)).toBe(0)
    const [row] = await db.query<RowDataPacket[]>('SELECT output_parts, LENGTH(output) AS size FROM ls_task_results WHERE execution_id = ?', [result.executionId])
    expect(row).toMatchObject({ output_parts: 0 })
    expect(Number(row.size)).toBeGreaterThan(1000)
  })
})
