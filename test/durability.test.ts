import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test, vi } from 'vitest'
import { createWorkflow, MemoryStorage, type ExecutionResult } from '../dist/index.js'
import type { RecordBatch } from '../dist/storage.js'
import { sharedHandler, startEngine, tempDir } from './helpers/engine.js'
import { answer, instance, runs } from './helpers/instances.js'
import { useTestDatabase } from './helpers/mysql.js'

const slow = { timeout: 60_000 }

/** MemoryStorage that notes when each task's success is committed, and can hold commits back. */
class WatchedStorage extends MemoryStorage {
  readonly committed = new Map<string, number>()
  held: Promise<void> | null = null
  received = new Set<string>()

  override async writeRecords (batch: RecordBatch): ReturnType<MemoryStorage['writeRecords']> {
    for (const t of batch.tasks) if (t.status === 'success') this.received.add(t.taskId)
    if (this.held !== null) await this.held
    const refused = await super.writeRecords(batch)
    const at = performance.timeOrigin + performance.now()
    for (const t of batch.tasks) if (t.status === 'success' && !this.committed.has(t.taskId)) this.committed.set(t.taskId, at)
    return refused
  }
}

function chain (n: number) {
  const b = createWorkflow('chain')
  for (let i = 0; i < n; i++) b.addTask(`s${i}`, { handler: sharedHandler('noop'), dependsOn: i === 0 ? [] : [`s${i - 1}`] })
  return b.build()
}

describe("durability: 'task'", () => {
  test('a dependent starts only after the result it depends on is committed', async () => {
    const storage = new WatchedStorage()
    const engine = startEngine({ storage, durability: 'task' })
    const starts = new Map<string, number>()
    engine.on('task.started', e => { starts.set(e.taskId, e.time) })
    await engine.publishWorkflow(chain(6))
    expect((await engine.execute('chain')).status).toBe('success')
    await vi.waitFor(() => expect(starts.size).toBe(6))
    for (let i = 1; i < 6; i++) expect(starts.get(`s${i}`)!).toBeGreaterThan(storage.committed.get(`s${i - 1}`)!)
  })

  test('an execution reports its end only once the results of its tasks are committed', async () => {
    const storage = new WatchedStorage()
    const engine = startEngine({ storage, durability: 'task' })
    await engine.publishWorkflow(chain(2))
    let release!: () => void
    storage.held = new Promise(resolve => { release = resolve })
    let ended: ExecutionResult | null = null
    const running = engine.execute('chain').then(r => { ended = r })
    // s0's commit is held: s1 cannot start, and nothing can end.
    await vi.waitFor(() => expect(storage.received.has('s0')).toBe(true))
    expect(ended).toBeNull()
    release()
    storage.held = null
    await running
    expect(ended!.status).toBe('success')
    expect(storage.committed.has('s1')).toBe(true)
  })

  test('results of tasks that finished together go in one commit', async () => {
    const storage = new WatchedStorage()
    const engine = startEngine({ storage, durability: 'task' })
    const b = createWorkflow('fan')
    for (let i = 0; i < 16; i++) b.addTask(`w${i}`, { handler: sharedHandler('noop') })
    await engine.publishWorkflow(b.addTask('sink', { handler: sharedHandler('noop'), dependsOn: Array.from({ length: 16 }, (_, i) => `w${i}`) }).build())
    const spy = vi.spyOn(storage, 'writeRecords')
    expect((await engine.execute('fan')).status).toBe('success')
    // 17 task results, far fewer commits: a commit per round of outcomes, not per task
    expect(spy.mock.calls.length).toBeLessThan(17)
  })
})

describe("durability: 'task' across a crash (MySQL, separate processes)", () => {
  const db = useTestDatabase()

  test('an execution whose caller saw success reads success in storage after a SIGKILL at once', slow, async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'marker'), '')
    // Batched records would wait a minute: only what the strict mode commits is in storage.
    const env = { GT_DURABILITY: 'task', GT_FLUSH: '60000', GT_DIE: '1' }
    const lines = await instance(db, ['run', 'stalled', dir], env).lines
    const { started } = lines[0]
    expect(lines[lines.length - 1]).toMatchObject({ ok: true, value: { status: 'success' } })
    const rows = await db.query(`SELECT status FROM gt_executions WHERE id = ?`, [started])
    expect(rows.map(r => r.status)).toEqual(['success'])
  })

  test('a resume after SIGKILL runs again no task whose dependent had started', slow, async () => {
    const dir = await tempDir()
    // Batches of records would wait a minute: only the strict mode's commits reach storage in time.
    const env = { GT_HEARTBEAT: '100,1000', GT_DURABILITY: 'task', GT_FLUSH: '60000' }
    const a = instance(db, ['run', 'stalled', dir], env)
    const id = await a.started
    // `third` waits for a marker: once it runs, kill its process at once.
    await vi.waitFor(async () => expect(await runs(dir).catch(() => [])).toContain('third'), { timeout: 20_000, interval: 20 })
    a.child.kill('SIGKILL')
    await a.lines
    const found = await answer(db, ['wait-interrupted', id], env)
    expect(found.value).toMatchObject({ executionId: id, reason: 'interrupted' })
    await writeFile(join(dir, 'marker'), '')
    const resumed = await answer(db, ['retry', id], env)
    expect(resumed.value).toMatchObject({ status: 'success', retryOf: id })
    expect(await runs(dir)).toEqual(['first', 'second', 'third', 'third', 'fourth'])
  })
})
