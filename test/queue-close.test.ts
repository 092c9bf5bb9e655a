import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { useTestDatabase } from './helpers/mysql.js'
import { filesEndingWith, serveInstance, sideEffects, useSideEffectDir, usePrefix, useQueue } from './helpers/queue.js'

const db = useTestDatabase()
const kTasks = ['first', 'second', 'gate', 'last']

describe('close() of a serving instance loses no execution', { timeout: 60_000 }, () => {
  test('close({ cancel: true }) hands the executions it holds back, and another instance resumes them', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const first = serveInstance(db, prefix, { GT_CLOSE: 'cancel', GT_THREADS: '2', GT_CONCURRENCY: '2' })
    await first.ready
    const ids = await queue.submitBulk([{ workflowId: 'q-gated', input: { dir } }, { workflowId: 'q-gated', input: { dir } }])
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(2)
    const lines = await first.stop()
    expect(lines.at(-1)).toEqual({ closed: true })
    expect(await queue.counts('q-gated')).toMatchObject({ waiting: 2, active: 0, completed: 0, failed: 0 })

    const second = serveInstance(db, prefix)
    await second.ready
    await writeFile(join(dir, 'release'), '')
    for (const id of ids) {
      const result = await queue.getExecutionResult(id)
      expect(result.status).toBe('success')
      expect(await sideEffects(dir, id, kTasks)).toEqual({ first: 1, second: 1, gate: 1, last: 1 })
      expect(result.tasks.second.reusedFrom).toBe(id)
    }
    // The failure case the cancellation opened is closed by the resumed run.
    await expect.poll(async () => db.query('SELECT status FROM gt_retry_records WHERE execution_id IN (?)', [ids]), { timeout: 10_000 })
      .toEqual([{ status: 'recovered' }, { status: 'recovered' }])
    await second.stop()
  })

  test('close() takes no more executions and lets the ones it holds finish', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const instance = serveInstance(db, prefix)
    await instance.ready
    const held = await queue.submit('q-gated', { dir })
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(1)
    instance.child.kill('SIGTERM')
    await instance.closing
    // Its instance no longer advertises q-single: queued for the one started below.
    const later = await queue.submit('q-single', {}, { waitForServer: true })
    await writeFile(join(dir, 'release'), '')
    expect(await queue.getExecutionResult(held)).toMatchObject({ status: 'success' })
    expect((await instance.lines).at(-1)).toEqual({ closed: true })
    expect(await queue.getExecutionStatus(held)).toMatchObject({ state: 'completed', deliveries: 1, status: 'success' })
    expect(await queue.getExecutionStatus(later)).toMatchObject({ state: 'waiting', deliveries: 0 })
  })
})
