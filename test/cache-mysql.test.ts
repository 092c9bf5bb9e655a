import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { createWorkflow } from '../dist/index.js'
import { lines, startEngine, subject, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'

const slow = { timeout: 60_000 }
const db = useTestDatabase()
const h = (name: string): URL => subject(`cached.mjs#${name}`)

// One workflow id per test: the tests share a database and run in any order.
const perFile = (id: string) => createWorkflow(id)
  .addTask('files', { handler: h('files') })
  .addTask('work', { handler: h('work'), map: 'files', cache: true })
  .addTask('one', { handler: h('work'), input: { value: 9 }, cache: true })
  .build()

// A small output (inline in its row) and a large one (in parts).
const items = [{ value: 1 }, { bytes: 300_000 }]

async function run (workflow: ReturnType<typeof perFile>, dir: string) {
  const engine = startEngine({ storage: db.storage() })
  await engine.publishWorkflow(workflow)
  const result = await engine.execute(workflow, { dir })
  await engine.flush()
  return { engine, result }
}

describe('cached results in MySQL', () => {
  // Reading the cache from this instance's memory only (MySQLStorage without the
  // ResultCacheStorage methods fails at publish; a per-engine Map hits only in A) fails this test.
  test('a second engine on the same database hits: no handler runs, history says cached', slow, async () => {
    const workflow = perFile('cached-mysql')
    const dir = await tempDir()
    await writeFile(join(dir, 'items.json'), JSON.stringify(items))
    const a = await run(workflow, dir)
    expect(a.result.status).toBe('success')
    const b = await run(workflow, dir)
    expect(await lines(join(dir, 'calls.work'))).toHaveLength(2)
    expect(b.result.tasks.work.map!.instances.map(i => i.cached)).toEqual([true, true])
    expect(b.result.tasks.work.output).toEqual(a.result.tasks.work.output)
    expect((b.result.tasks.work.output as unknown[])[1]).toEqual(new Uint8Array(300_000).fill(7))
    expect(await lines(join(dir, 'calls.one'))).toHaveLength(1)
    const rows = await db.query<RowDataPacket[]>('SELECT task_id, map_index, attempts FROM gt_task_results WHERE execution_id = ? AND cached = 1 ORDER BY task_id, map_index', [b.result.executionId])
    expect(rows.map(r => [r.task_id, r.map_index, r.attempts])).toEqual([['one', -1, 0], ['work', 0, 0], ['work', 1, 0]])
    const stored = await b.engine.getExecutionResult(b.result.executionId)
    expect(stored.tasks.one).toMatchObject({ cached: true, output: { doubled: 18 } })
    expect(stored.tasks.work).toMatchObject({ cached: true })
    expect(stored.tasks.work.map!.instances.map(i => i.cached)).toEqual([true, true])
    expect(await b.engine.clearCache({ workflowId: 'cached-mysql' })).toBe(3)
  })

  // Returning the assembled bytes without the size and SHA-256 check (checked() in
  // storage/mysql/result-cache.ts) fails this test (checked): the corrupt value is returned.
  test('a corrupt or incomplete stored value is a miss, logged: the task runs again', slow, async () => {
    const workflow = perFile('cached-mysql-corrupt')
    const dir = await tempDir()
    await writeFile(join(dir, 'items.json'), JSON.stringify(items))
    await run(workflow, dir)
    await db.query("UPDATE gt_result_cache SET output = X'ff0102' WHERE output_parts = 0 AND task_id = 'work' AND workflow_id = 'cached-mysql-corrupt'")
    await db.query("DELETE p FROM gt_result_cache_parts p JOIN gt_result_cache c ON c.cache_key = p.cache_key WHERE p.part = 1 AND c.workflow_id = 'cached-mysql-corrupt'")
    const again = await run(workflow, dir)
    expect(again.result.status).toBe('success')
    expect(again.result.tasks.work.output).toEqual([{ doubled: 2 }, new Uint8Array(300_000).fill(7)])
    expect(again.result.tasks.work.map!.instances.map(i => i.cached)).toEqual([undefined, undefined])
    expect(again.engine.stats().cache).toMatchObject({ hits: 1, misses: 2, unreadable: 2 })
    expect(await lines(join(dir, 'calls.work'))).toHaveLength(4)
    const third = await run(workflow, dir)
    expect(third.result.tasks.work.map!.instances.map(i => i.cached)).toEqual([true, true])
  })
})
