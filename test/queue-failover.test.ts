import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { describe, expect, onTestFinished, test } from 'vitest'
import { Engine } from '../dist/index.js'
import { MySQLStorage } from '../dist/mysql.js'
import { useTestDatabase } from './helpers/mysql.js'
import { filesEndingWith, redisUrl, serveInstance, sideEffects, useSideEffectDir, usePrefix, useQueue } from './helpers/queue.js'

const db = useTestDatabase()
const kTasks = ['first', 'second', 'gate', 'last']

async function casesOf (ids: string[]): Promise<string[]> {
  return (await db.query('SELECT status FROM gt_retry_records WHERE execution_id IN (?) ORDER BY execution_id', [ids])).map(r => r.status as string)
}

describe('failover across instances', { timeout: 90_000 }, () => {
  // The limit is what BullMQ's own defaults (a 30 s lock, a 30 s stalled check) cannot meet;
  // the lock's time to live says so without a clock.
  test('with serve()\'s default options a killed instance holds a lock of seconds, and another instance resumes its execution', { timeout: 45_000 }, async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const defaults = { GT_STALL: 'default', GT_DURABILITY: 'task' }
    const victim = serveInstance(db, prefix, defaults)
    await victim.ready
    const id = await queue.submit('q-gated', { dir })
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(1)
    const redis = new Redis(redisUrl)
    onTestFinished(async () => { await redis.quit() })
    const lockTtl = await redis.pttl(`${prefix}:graph-task.q-gated:${id}:lock`)
    expect(lockTtl).toBeGreaterThan(0)
    expect(lockTtl).toBeLessThanOrEqual(15_000)
    victim.child.kill('SIGKILL')
    await victim.lines

    const survivor = serveInstance(db, prefix, defaults)
    await survivor.ready
    await writeFile(join(dir, 'release'), '')
    const result = await queue.getExecutionResult(id)
    expect(result.status).toBe('success')
    expect(result.tasks.second.reusedFrom).toBe(id)
    expect(await sideEffects(dir, id, kTasks)).toEqual({ first: 1, second: 1, gate: 1, last: 1 })
    expect(await queue.getExecutionStatus(id)).toMatchObject({ deliveries: 2, status: 'success' })
    await survivor.stop()
  })

  test('handed back, resumed by an instance that is killed, then finished by a third: its failure cases close and none is listed', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const first = serveInstance(db, prefix, { GT_CLOSE: 'cancel', GT_THREADS: '2', GT_CONCURRENCY: '2', GT_DURABILITY: 'task' })
    await first.ready
    const ids = (await queue.submitBulk([0, 1].map(n => ({ workflowId: 'q-gated', input: { dir, n } })))).sort()
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(2)
    await first.stop()
    expect(await casesOf(ids)).toEqual(['pending', 'pending'])
    for (const id of ids) await rm(join(dir, `${id}.gate.waiting`))

    // The second resumes both and claims their cases, then dies at the gate.
    const second = serveInstance(db, prefix, { GT_THREADS: '2', GT_CONCURRENCY: '2', GT_DURABILITY: 'task' })
    await second.ready
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(2)
    await expect.poll(() => casesOf(ids), { timeout: 10_000 }).toEqual(['retrying', 'retrying'])
    second.child.kill('SIGKILL')
    await second.lines

    const third = serveInstance(db, prefix, { GT_DURABILITY: 'task' })
    await third.ready
    await writeFile(join(dir, 'release'), '')
    for (const id of ids) {
      expect((await queue.getExecutionResult(id)).status).toBe('success')
      expect(await sideEffects(dir, id, kTasks)).toEqual({ first: 1, second: 1, gate: 1, last: 1 })
    }
    await expect.poll(() => casesOf(ids), { timeout: 10_000 }).toEqual(['recovered', 'recovered'])
    const engine = new Engine({ storage: new MySQLStorage(db.options()) })
    onTestFinished(() => engine.close())
    const listed = await engine.getFailedExecutions({ limit: 100 })
    expect(listed.filter(f => ids.includes(f.executionId))).toEqual([])
    await third.stop()
  })

  test('in durability task, when getExecutionResult resolves the stored execution already says success', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    // A long flush interval: without the wait for the history, the row would lag the result by it.
    const instance = serveInstance(db, prefix, { GT_DURABILITY: 'task', GT_FLUSH: '2000' })
    await instance.ready
    const storage = new MySQLStorage(db.options())
    onTestFinished(() => storage.close())
    for (let n = 0; n < 5; n++) {
      const id = await queue.submit('q-single', { n })
      const result = await queue.getExecutionResult(id)
      expect(result.status).toBe('success')
      expect((await storage.getExecution(id))?.status).toBe('success')
    }
    await instance.stop()
  })
})
