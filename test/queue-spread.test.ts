import { describe, expect, test } from 'vitest'
import { useTestDatabase } from './helpers/mysql.js'
import { serveInstance, usePrefix, useQueue } from './helpers/queue.js'

const db = useTestDatabase()

describe('executions spread over instances through the queue', { timeout: 60_000 }, () => {
  test('300 executions submitted by one client all succeed, and each of 3 instances ran some', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const instances = [0, 1, 2].map(() => serveInstance(db, prefix, { GT_CONCURRENCY: '8' }))
    const ids = await Promise.all(instances.map(i => i.ready))
    expect(new Set(ids).size).toBe(3)

    const submitted = await queue.submitBulk(Array.from({ length: 300 }, (_, n) => ({ workflowId: 'q-single', input: { n, sleep: 10 } })))
    expect(new Set(submitted).size).toBe(300)
    const results = await Promise.all(submitted.map(id => queue.getExecutionResult(id)))
    expect(results.map(r => r.status)).toEqual(Array(300).fill('success'))
    expect(results.map(r => (r.tasks.only.output as { n: number }).n)).toEqual(Array.from({ length: 300 }, (_, n) => n))

    // The shared history says which instance ran each execution (a task of 10 ms: no one instance drains the queue alone).
    await expect.poll(async () => (await db.query('SELECT COUNT(*) AS n FROM gt_executions WHERE status = \'success\' AND id IN (?)', [submitted]))[0].n,
      { timeout: 10_000 }).toBe(300)
    const byInstance = await db.query('SELECT instance_id AS instance, COUNT(*) AS n FROM gt_executions WHERE id IN (?) GROUP BY instance_id', [submitted])
    expect(byInstance.map(r => r.instance).sort()).toEqual([...ids].sort())
    for (const row of byInstance) expect(row.n).toBeGreaterThan(0)
    await Promise.all(instances.map(i => i.stop()))
  })

  test('a submit for a workflow no live instance serves is refused; one that may wait waits, visible in the counts', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    await expect(queue.submit('q-single', { n: 0 })).rejects.toMatchObject({ code: 'WORKFLOW_NOT_SERVED' })
    const instance = serveInstance(db, prefix)
    await instance.ready
    await expect(queue.submit('not-served-anywhere', { n: 1 })).rejects.toMatchObject({ code: 'WORKFLOW_NOT_SERVED' })
    expect(await queue.counts('not-served-anywhere')).toMatchObject({ waiting: 0 })
    const id = await queue.submit('not-served-anywhere', { n: 1 }, { waitForServer: true })
    const served = await queue.submit('q-single', { n: 2 })
    expect((await queue.getExecutionResult(served)).status).toBe('success')
    expect(await queue.counts('not-served-anywhere')).toMatchObject({ waiting: 1, active: 0 })
    expect(await queue.getExecutionStatus(id)).toMatchObject({ executionId: id, workflowId: 'not-served-anywhere', state: 'waiting', deliveries: 0 })
    await instance.stop()
  })

  test("the submitter's traceparent travels with the job: the execution's spans take its trace id", async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const instance = serveInstance(db, prefix)
    await instance.ready
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const id = await queue.submit('q-single', {}, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })
    expect((await queue.getExecutionResult(id)).status).toBe('success')
    await expect.poll(async () => db.query('SELECT DISTINCT trace_id AS t FROM gt_spans WHERE execution_id = ?', [id]), { timeout: 10_000 })
      .toEqual([{ t: traceId }])
    await instance.stop()
  })
})
