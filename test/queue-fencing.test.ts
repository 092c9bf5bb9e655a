import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, onTestFinished, test } from 'vitest'
import { MySQLStorage } from '../dist/mysql.js'
import { useTestDatabase } from './helpers/mysql.js'
import { filesEndingWith, serveInstance, sideEffects, useSideEffectDir, usePrefix, useQueue } from './helpers/queue.js'

const db = useTestDatabase()
const kTasks = ['first', 'second', 'gate', 'last']
const kFast = { GT_STALL: '1500,500', GT_DURABILITY: 'task' }

async function starts (dir: string, id: string, task: string): Promise<string[]> {
  return (await readFile(join(dir, `${id}.${task}.starts`), 'utf8').catch(() => '')).split('\n').filter(l => l.length > 0)
}

describe('an instance frozen past its queue lock is fenced off', { timeout: 90_000 }, () => {
  test('after SIGCONT it starts no task of the executions taken over, and its late writes leave the new owner\'s history', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const frozen = serveInstance(db, prefix, { ...kFast, GT_THREADS: '2', GT_CONCURRENCY: '2' })
    await frozen.ready
    const ids = await queue.submitBulk([0, 1].map(n => ({ workflowId: 'q-gated', input: { dir, n } })))
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(2)
    frozen.child.kill('SIGSTOP')
    onTestFinished(() => { frozen.child.kill('SIGCONT') })

    const owner = serveInstance(db, prefix, kFast)
    await owner.ready
    await writeFile(join(dir, 'release'), '')
    const results = await Promise.all(ids.map(id => queue.getExecutionResult(id)))
    expect(results.map(r => r.status)).toEqual(['success', 'success'])

    // Wakes with its gate tasks released: `last` would be next. Given time to act, then closed
    // (a close writes whatever it still holds), so that all it will ever write is written.
    frozen.child.kill('SIGCONT')
    await delay(3000)
    await frozen.stop()
    const storage = new MySQLStorage(db.options())
    onTestFinished(() => storage.close())
    for (const [k, id] of ids.entries()) {
      // The frozen instance ran first, second and started gate; nothing after it woke.
      const frozenPid = String(frozen.child.pid)
      expect(await starts(dir, id, 'last')).not.toContain(frozenPid)
      expect(await sideEffects(dir, id, ['last'])).toEqual({ last: 1 })
      const stored = await storage.getExecution(id)
      expect(stored?.status).toBe('success')
      expect(stored?.completedTasks).toBe(4)
      const tasks = await storage.getTaskResults(id)
      expect(Object.fromEntries(tasks.map(t => [t.taskId, t.status]))).toEqual(Object.fromEntries(kTasks.map(t => [t, 'success'])))
      expect(results[k].tasks.last.status).toBe('success')
    }
    await owner.stop()
  })
})
