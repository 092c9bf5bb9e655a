import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { useTestDatabase } from './helpers/mysql.js'
import { filesEndingWith, serveInstance, sideEffects, useSideEffectDir, usePrefix, useQueue } from './helpers/queue.js'

const db = useTestDatabase()
const kTasks = ['first', 'second', 'gate', 'last']
// Short locks so that the stalled check gives a dead instance's executions back within seconds.
const kFast = { GT_STALL: '2000,500' }

describe('executions of an instance that dies are redelivered and resumed', { timeout: 60_000 }, () => {
  test('after SIGKILL the others finish its executions from the shared history, and no succeeded task runs twice (durability task)', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const victim = serveInstance(db, prefix, { ...kFast, GT_DURABILITY: 'task', GT_CONCURRENCY: '3', GT_THREADS: '3' })
    await victim.ready
    const ids = await queue.submitBulk(Array.from({ length: 3 }, (_, n) => ({ workflowId: 'q-gated', input: { dir, n } })))
    // Every execution waits in `gate` on the victim: first and second succeeded there.
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(3)
    victim.child.kill('SIGKILL')
    await victim.lines

    const others = [serveInstance(db, prefix, { ...kFast, GT_DURABILITY: 'task' }), serveInstance(db, prefix, { ...kFast, GT_DURABILITY: 'task' })]
    await Promise.all(others.map(o => o.ready))
    await writeFile(join(dir, 'release'), '')
    const results = await Promise.all(ids.map(id => queue.getExecutionResult(id)))
    for (const [k, result] of results.entries()) {
      expect(result.status).toBe('success')
      expect(await sideEffects(dir, ids[k], kTasks)).toEqual({ first: 1, second: 1, gate: 1, last: 1 })
      // Resumed: the outputs of first and second come from the victim's run of the same execution.
      expect(result.tasks.first.reusedFrom).toBe(ids[k])
      expect(result.tasks.second.reusedFrom).toBe(ids[k])
      expect((await queue.getExecutionStatus(ids[k])).deliveries).toBe(2)
    }
    await Promise.all(others.map(o => o.stop()))
  })

  test('past maxRedeliveries the execution fails with EXECUTION_REDELIVERY_LIMIT and opens a failure case', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const env = { ...kFast, GT_DURABILITY: 'task', GT_REDELIVERIES: '0' }
    const victim = serveInstance(db, prefix, env)
    await victim.ready
    const id = await queue.submit('q-gated', { dir })
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(1)
    victim.child.kill('SIGKILL')
    await victim.lines

    const other = serveInstance(db, prefix, env)
    await other.ready
    const result = await queue.getExecutionResult(id)
    expect(result.status).toBe('failed')
    expect(result.error?.code).toBe('EXECUTION_REDELIVERY_LIMIT')
    expect(await sideEffects(dir, id, kTasks)).toEqual({ first: 1, second: 1, gate: 0, last: 0 })
    await expect.poll(async () => db.query('SELECT status, error_code AS code FROM gt_retry_records WHERE execution_id = ?', [id]), { timeout: 10_000 })
      .toEqual([{ status: 'pending', code: 'EXECUTION_REDELIVERY_LIMIT' }])
    await other.stop()
  })
})
