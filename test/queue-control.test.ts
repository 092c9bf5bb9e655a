import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, test } from 'vitest'
import { useTestDatabase } from './helpers/mysql.js'
import { filesEndingWith, redisUrl, serveInstance, sideEffects, useSideEffectDir, usePrefix, useQueue } from './helpers/queue.js'

const db = useTestDatabase()

describe('the submitting client reaches executions on other processes', { timeout: 60_000 }, () => {
  test('the same execution id submitted twice runs once', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const instance = serveInstance(db, prefix)
    await instance.ready
    const first = await queue.submit('q-single', { dir }, { executionId: 'order-42' })
    const second = await queue.submit('q-single', { dir }, { executionId: 'order-42' })
    const [bulk] = await queue.submitBulk([{ workflowId: 'q-single', input: { dir }, options: { executionId: 'order-42' } }])
    expect([first, second, bulk]).toEqual(['order-42', 'order-42', 'order-42'])
    expect((await queue.getExecutionResult('order-42')).status).toBe('success')
    // A later execution has run after it: the first one's job has long been taken.
    expect((await queue.getExecutionResult(await queue.submit('q-single', {}))).status).toBe('success')
    expect(await sideEffects(dir, 'order-42', ['only'])).toEqual({ only: 1 })
    expect(await queue.counts('q-single')).toMatchObject({ completed: 2, waiting: 0, active: 0, delayed: 0 })
    await expect(queue.submit('q-gated', { dir }, { executionId: 'order-42' })).rejects.toMatchObject({ code: 'EXECUTION_ID_CONFLICT' })
    await instance.stop()
  })

  // Without the limiter handed to BullMQ's Worker (rateLimits dropped in serve), eight
  // no-op executions on a concurrency of 4 all start within a few ms of each other.
  test('rateLimits lets at most max executions of a workflow start per duration', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const instance = serveInstance(db, prefix, { GT_RATE: 'q-single:2:1000' })
    await instance.ready
    const ids = await queue.submitBulk(Array.from({ length: 8 }, () => ({ workflowId: 'q-single', input: {} })))
    const starts = (await Promise.all(ids.map(id => queue.getExecutionResult(id)))).map(r => r.startedAt).sort((a, b) => a - b)
    // BullMQ's windows are fixed, not sliding: 2 per window puts 8 starts in at least 4
    // windows, so the first and the last are more than 2 whole windows apart.
    expect(starts[7] - starts[0]).toBeGreaterThan(2000)
    await instance.stop()
  })

  // Without the 'removed' end (JobEnds) the waiting call never settles; without the
  // look at the job after subscribing, the call made after the removal never settles.
  test('getExecutionResult of a job removed from the queue rejects with EXECUTION_NOT_FOUND, whether it waited or came later', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    // nothing serves it: the job waits until removed
    const id = await queue.submit('q-unserved', {}, { waitForServer: true })
    const waiting = queue.getExecutionResult(id).then(() => 'resolved', (err: { code?: string }) => err.code)
    const { Queue } = await import('bullmq')
    const bull = new Queue('graph-task.q-unserved', { connection: { url: redisUrl }, prefix })
    try {
      await expect.poll(async () => (await bull.getJob(id)) !== undefined).toBe(true)
      await (await bull.getJob(id))!.remove()
    } finally {
      await bull.close()
    }
    expect(await waiting).toBe('EXECUTION_NOT_FOUND')
    await expect(queue.getExecutionResult(id)).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' })
  })

  // Leases keyed by the execution id (as a submitted job's is) fail this test: BullMQ
  // renews a schedule's run by its own job id, so the lease ran out after the 2 s lock
  // and the instance stopped the execution as lost.
  test('a scheduled execution that runs past the queue lock is renewed, not lost', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const instance = serveInstance(db, prefix)
    await instance.ready
    // a schedule's first run comes at once; it waits at its gate past the lock (2 s here)
    await queue.schedule('slow', 'q-gated', { dir }, { every: 86_400_000 })
    await expect.poll(async () => (await filesEndingWith(dir, '.gate.waiting')).length, { timeout: 20_000 }).toBe(1)
    const [waiting] = await filesEndingWith(dir, '.gate.waiting')
    await delay(3500)
    await writeFile(join(dir, 'release'), '')
    const id = waiting.slice(0, -'.gate.waiting'.length)
    expect((await queue.getExecutionResult(id)).status).toBe('success')
    expect(await sideEffects(dir, id, ['first', 'second', 'gate', 'last'])).toEqual({ first: 1, second: 1, gate: 1, last: 1 })
    await queue.unschedule('slow')
    await instance.stop()
  })

  test('a mapped workflow runs through the queue: one instance per element, gathered in order', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const instance = serveInstance(db, prefix)
    await instance.ready
    const result = await queue.getExecutionResult(await queue.submit('q-mapped', { count: 4 }))
    expect(result.status).toBe('success')
    expect(result.tasks.parse.map).toMatchObject({ size: 4, counts: { success: 4 } })
    expect((result.tasks.gather.output as Array<{ index: number }>).map(o => o.index)).toEqual([0, 1, 2, 3])
    await instance.stop()
  })

  test('cancel() stops an execution running in another process', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const instance = serveInstance(db, prefix)
    await instance.ready
    const id = await queue.submit('q-gated', { dir })
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(1)
    expect(await queue.cancelExecution(id)).toBe(true)
    const result = await queue.getExecutionResult(id)
    expect(result.status).toBe('cancelled')
    expect(result.tasks.first.status).toBe('success')
    expect(result.tasks.gate.error?.code).toBe('CANCELLED')
    expect(await queue.cancelExecution(id)).toBe(false)
    await instance.stop()
  })

  test('an execution cancelled before any instance took it ends cancelled, with no task run', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const id = await queue.submit('q-single', { dir }, { waitForServer: true })
    expect(await queue.cancelExecution(id)).toBe(true)
    const instance = serveInstance(db, prefix)
    await instance.ready
    const result = await queue.getExecutionResult(id)
    expect(result.status).toBe('cancelled')
    expect(await sideEffects(dir, id, ['only'])).toEqual({ only: 0 })
    await instance.stop()
  })

  // Two guards of waiting without a look in Redis (JobEnds.track). Without the end kept for a
  // job followed from its submit (JobEnds#settle dropping an end nobody waits for yet), the
  // first wait for `ended` never settles; with ids the caller chose followed too (the `fresh`
  // filter of ExecutionQueue#addTo removed), the wait after re-submitting 'again-7', whose job
  // ended before, never settles. Either way the test times out.
  test('a result asked for after its execution ended is given, for new ids and for ids submitted again', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const instance = serveInstance(db, prefix)
    await instance.ready
    // From this first wait on, the client reads the queue's ends and follows what it submits.
    expect((await queue.getExecutionResult(await queue.submit('q-single', {}))).status).toBe('success')
    const ended = await queue.submit('q-single', { n: 1 })
    await expect.poll(async () => (await queue.getExecutionStatus(ended)).state, { timeout: 20_000 }).toBe('completed')
    // The ends stream is read in order: once a later execution's end is heard, so is this one's.
    expect((await queue.getExecutionResult(await queue.submit('q-single', {}))).status).toBe('success')
    expect((await queue.getExecutionResult(ended)).tasks.only.output).toEqual({ task: 'only', n: 1 })
    // Asked again after it was given out: from Redis this time.
    expect((await queue.getExecutionResult(ended)).status).toBe('success')
    await queue.submit('q-single', { n: 2 }, { executionId: 'again-7' })
    expect((await queue.getExecutionResult('again-7')).status).toBe('success')
    await queue.submit('q-single', { n: 2 }, { executionId: 'again-7' })
    expect((await queue.getExecutionResult('again-7')).tasks.only.output).toEqual({ task: 'only', n: 2 })
    await instance.stop()
  })

  test('lifecycle events of every instance reach one listener, with the shapes of engine.on', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const seen: any[] = []
    await queue.on('execution.completed', event => { seen.push(event) })
    await queue.on('task.completed', event => { seen.push(event) })
    const instances = [serveInstance(db, prefix, { GT_EVENTS: 'all' }), serveInstance(db, prefix, { GT_EVENTS: 'all' })]
    await Promise.all(instances.map(i => i.ready))
    const ids = await queue.submitBulk(Array.from({ length: 40 }, (_, n) => ({ workflowId: 'q-single', input: { n } })))
    await Promise.all(ids.map(id => queue.getExecutionResult(id)))
    await expect.poll(() => seen.filter(e => e.type === 'execution.completed').length, { timeout: 10_000 }).toBe(40)
    const completed = seen.filter(e => e.type === 'execution.completed')
    expect(new Set(completed.map(e => e.executionId))).toEqual(new Set(ids))
    expect(completed[0]).toEqual({
      type: 'execution.completed', executionId: expect.any(String), workflowId: 'q-single', status: 'success', time: expect.any(Number), duration: expect.any(Number)
    })
    await expect.poll(() => seen.filter(e => e.type === 'task.completed').length, { timeout: 10_000 }).toBe(40)
    // Both instances took part (by the history they wrote).
    await expect.poll(async () => (await db.query('SELECT COUNT(DISTINCT instance_id) AS n FROM gt_executions WHERE id IN (?)', [ids]))[0].n,
      { timeout: 10_000 }).toBe(2)
    await Promise.all(instances.map(i => i.stop()))
  })

  // `cron` has six fields: BullMQ's patterns take seconds first, so it fires every second.
  test.each([
    { name: 'every-200ms', when: { every: 200 }, listed: { every: 200 } },
    { name: 'each-second', when: { cron: '* * * * * *' }, listed: { cron: '* * * * * *' } }
  ])('schedule $name fires executions until it is removed', async ({ name, when, listed }) => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const instance = serveInstance(db, prefix)
    await instance.ready
    const fired: string[] = []
    await queue.on('execution.completed', event => { if (event.workflowId === 'q-single') fired.push(event.executionId) })
    await queue.schedule(name, 'q-single', { n: 7 }, when)
    expect(await queue.schedules()).toEqual([{ name, workflowId: 'q-single', ...listed, next: expect.any(Number) }])
    await expect.poll(() => new Set(fired).size, { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
    expect(await queue.unschedule(name)).toBe(true)
    expect(await queue.schedules()).toEqual([])
    expect(await queue.unschedule(name)).toBe(false)
    const result = await queue.getExecutionResult(fired[0])
    expect(result.tasks.only.output).toEqual({ task: 'only', n: 7 })
    await instance.stop()
  })
})
