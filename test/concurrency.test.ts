import { describe, expect, test } from 'vitest'
import { createWorkflow, EngineError, QueueFullError, type Engine } from '../dist/index.js'
import { intervals, maxOverlap, startEngine, subject, type Interval } from './helpers/engine.js'

const slow = { timeout: 30_000 }
const record = subject('record.mjs')

/** `width` independent record.mjs tasks of `us` microseconds each. */
async function publishWide (engine: Engine, id: string, width: number, us: number): Promise<void> {
  let builder = createWorkflow(id)
  for (let i = 0; i < width; i++) builder = builder.addTask(`t${i}`, { handler: record, input: { us } })
  await engine.publishWorkflow(builder.build())
}

describe('scheduling', () => {
  test('a task starts once all its dependencies have ended', async () => {
    const engine = startEngine()
    //   a ─ b ─ d
    //   └─ c ─┘
    await engine.publishWorkflow(createWorkflow('diamond')
      .addTask('a', { handler: record, input: { us: 5_000 } })
      .addTask('b', { handler: record, input: { us: 20_000 }, dependsOn: ['a'] })
      .addTask('c', { handler: record, input: { us: 5_000 }, dependsOn: ['a'] })
      .addTask('d', { handler: record, input: { us: 5_000 }, dependsOn: ['b', 'c'] })
      .build())
    const t = intervals(await engine.execute('diamond'))
    expect(t.b.start).toBeGreaterThanOrEqual(t.a.end)
    expect(t.c.start).toBeGreaterThanOrEqual(t.a.end)
    expect(t.d.start).toBeGreaterThanOrEqual(Math.max(t.b.end, t.c.end))
  })

  test('a slow branch does not hold back the next task of a fast branch', slow, async () => {
    const engine = startEngine({ threads: 2 })
    // Stage plan: [slow, fast] then [slow-next, fast-next]; without a stage barrier
    // fast-next runs while slow is still busy.
    await engine.publishWorkflow(createWorkflow('branches')
      .addTask('slow', { handler: record, input: { us: 600_000 } })
      .addTask('slow-next', { handler: record, input: { us: 1_000 }, dependsOn: ['slow'] })
      .addTask('fast', { handler: record, input: { us: 1_000 } })
      .addTask('fast-next', { handler: record, input: { us: 1_000 }, dependsOn: ['fast'] })
      .build())
    expect(engine.getExecutionPlan('branches').stages.map(s => [...s].sort()))
      .toEqual([['fast', 'slow'], ['fast-next', 'slow-next']])
    const t = intervals(await engine.execute('branches'))
    expect(t['fast-next'].end).toBeLessThan(t.slow.end)
    expect(t['slow-next'].start).toBeGreaterThanOrEqual(t.slow.end)
  })

  for (const limit of [1, 2]) {
    test(`maxConcurrency ${limit} is never exceeded across concurrent executions`, slow, async () => {
      const engine = startEngine({ threads: 4, maxConcurrency: limit })
      await publishWide(engine, 'wide', 6, 15_000)
      await engine.publishWorkflow(createWorkflow('chain')
        .addTask('x', { handler: record, input: { us: 15_000 } })
        .addTask('y', { handler: record, input: { us: 15_000 }, dependsOn: ['x'] })
        .build())
      const results = await Promise.all([
        engine.execute('wide'), engine.execute('wide'), engine.execute('chain'), engine.execute('wide'), engine.execute('chain')
      ])
      const all: Interval[] = results.flatMap(r => Object.values(intervals(r)))
      expect(all).toHaveLength(22)
      expect(maxOverlap(all)).toBeLessThanOrEqual(limit)
      const { peakTasksInFlight, tasksInFlight } = engine.stats().scheduler
      expect(peakTasksInFlight).toBe(limit)
      expect(tasksInFlight).toBe(0)
    })
  }

  test('without a limit, independent tasks run in parallel on the threads', slow, async () => {
    const engine = startEngine({ threads: 2 })
    await publishWide(engine, 'wide', 4, 100_000)
    const t = Object.values(intervals(await engine.execute('wide')))
    expect(new Set(t.map(i => i.threadId)).size).toBe(2)
    expect(maxOverlap(t)).toBe(2)
  })

  // Guarantee "bounded queue": removing the launcher's maxQueuedTasks check fails this test.
  test('an execution beyond maxQueuedTasks is rejected with QUEUE_FULL', slow, async () => {
    const engine = startEngine({ maxQueuedTasks: 5 })
    await engine.publishWorkflow(createWorkflow('three')
      .addTask('a', { handler: subject('sleep.mjs'), input: { ms: 200 } })
      .addTask('b', { handler: subject('sleep.mjs'), input: { ms: 1 }, dependsOn: ['a'] })
      .addTask('c', { handler: subject('sleep.mjs'), input: { ms: 1 }, dependsOn: ['a'] })
      .build())
    const first = engine.execute('three')
    const rejected = engine.execute('three')
    await expect(rejected).rejects.toBeInstanceOf(QueueFullError)
    await expect(rejected).rejects.toBeInstanceOf(EngineError)
    await expect(rejected).rejects.toMatchObject({ code: 'QUEUE_FULL', message: expect.stringContaining('maxQueuedTasks') })
    expect((await first).status).toBe('success')
    // the places are free again once the first execution has ended
    expect((await engine.execute('three')).status).toBe('success')
  })

  test('failed, cancelled and timed-out executions give their queue places back', slow, async () => {
    const engine = startEngine({ maxQueuedTasks: 2 })
    await engine.publishWorkflow(createWorkflow('pair')
      .addTask('bad', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 1 } })
      .addTask('after', { handler: subject('record.mjs'), dependsOn: ['bad'] })
      .build())
    await engine.publishWorkflow(createWorkflow('stuck')
      .addTask('spin', { handler: subject('spin-forever.mjs') })
      .addTask('after', { handler: subject('record.mjs'), dependsOn: ['spin'] })
      .build())
    expect((await engine.execute('pair')).status).toBe('failed')
    expect((await engine.execute('stuck', undefined, { timeout: 100 })).status).toBe('failed')
    expect((await engine.execute('stuck', undefined, { signal: AbortSignal.timeout(100) })).status).toBe('cancelled')
    expect(engine.stats().scheduler.tasksQueued).toBe(0)
    expect((await engine.execute('pair')).status).toBe('failed')
  })
})
