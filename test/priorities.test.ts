import { describe, expect, test } from 'vitest'
import { join } from 'node:path'
import { createWorkflow, InvalidOptionsError, type Engine } from '../dist/index.js'
import { lines, startEngine, subject, tempDir } from './helpers/engine.js'

// Order of work on a real engine. counter.mjs appends "taskId attempt" to a file as it
// starts, so the file holds the order tasks ran in; with maxConcurrency 1 that order is
// the scheduler's alone (no race between threads), and every task has the same handler,
// so the measured estimates are equal and ranks count tasks along paths.
const counter = subject('counter.mjs')
const slow = { timeout: 30_000 }

async function order (file: string): Promise<string[]> {
  return (await lines(file)).map(l => l.split(' ')[0])
}

function before (ran: string[], a: string, b: string): boolean {
  return ran.indexOf(a) !== -1 && ran.indexOf(a) < ran.indexOf(b)
}

// p-graph's graph:      A
//                   B   C   D
//                     |E F|
async function publishPGraph (engine: Engine, id: string, file: string, priorities: Record<string, number>): Promise<void> {
  const deps: Record<string, string[]> = { A: [], B: ['A'], C: ['A'], D: ['A'], E: ['C'], F: ['C'] }
  let b = createWorkflow(id)
  for (const task of ['A', 'B', 'C', 'D', 'E', 'F']) {
    b = b.addTask(task, { handler: counter, input: { file }, dependsOn: deps[task], ...(priorities[task] === undefined ? {} : { priority: priorities[task] }) })
  }
  await engine.publishWorkflow(b.build())
}

describe('priorities as p-graph has them', () => {
  // p-graph: "should schedule high priority tasks and dependencies before lower priority
  // tasks" (concurrency 1). Fails when the ready heap ignores priorities (F after B and D).
  test('high priority tasks and their dependencies go before lower priority tasks, one at a time', slow, async () => {
    const engine = startEngine({ threads: 1, maxConcurrency: 1 })
    const file = join(await tempDir(), 'order.txt')
    await publishPGraph(engine, 'pgraph-1', file, { F: 16 })
    expect((await engine.execute('pgraph-1')).status).toBe('success')
    const ran = await order(file)
    for (const [a, b] of [['C', 'B'], ['C', 'D'], ['F', 'E'], ['F', 'B'], ['F', 'D']]) expect(before(ran, a, b), `${a} before ${b} in ${ran.join(' ')}`).toBe(true)
  })

  // p-graph's case "... when maxConcurrency is greater than 1" (2 here). Fails when the
  // dependents that follow C in its batch are not ordered (E, declared first, before F),
  // and when priorities do not add up along dependencies (C, 4, would not outrank B, 16).
  test('high priority tasks and their dependencies go before lower priority tasks, two at a time', slow, async () => {
    const engine = startEngine({ threads: 2, maxConcurrency: 2 })
    const file = join(await tempDir(), 'order.txt')
    await publishPGraph(engine, 'pgraph-2', file, { B: 16, C: 4, D: 4, E: 12, F: 16 })
    expect((await engine.execute('pgraph-2')).status).toBe('success')
    const ran = await order(file)
    for (const [a, b] of [['C', 'B'], ['C', 'D'], ['B', 'D'], ['F', 'E']]) expect(before(ran, a, b), `${a} before ${b} in ${ran.join(' ')}`).toBe(true)
  })

  test('a priority that is not a finite number is refused, naming the task', () => {
    expect(() => createWorkflow('w').addTask('a', { handler: counter, priority: Number.NaN }))
      .toThrow(/^task "a": priority must be a finite number/)
    expect(() => createWorkflow('w').addTask('a', { handler: counter, priority: '1' as unknown as number })).toThrow(InvalidOptionsError)
  })
})

describe('critical path first', () => {
  // root, then six short tasks declared first and a chain of three: the chain is the
  // longest path, so its tasks go as soon as they are ready. Each task is busy 10 ms, so
  // that the measured estimate of the path is the shape's, not one task descheduled on a
  // busy box (a task of a few microseconds that waits 100 for a core looks longest).
  async function publishShortFirst (engine: Engine, file: string): Promise<void> {
    const input = { file, us: 10_000 }
    let b = createWorkflow('short-first').addTask('root', { handler: counter, input })
    for (let i = 0; i < 6; i++) b = b.addTask(`s${i}`, { handler: counter, input, dependsOn: ['root'] })
    b = b.addTask('c0', { handler: counter, input, dependsOn: ['root'] })
      .addTask('c1', { handler: counter, input, dependsOn: ['c0'] })
      .addTask('c2', { handler: counter, input, dependsOn: ['c1'] })
    await engine.publishWorkflow(b.build())
  }

  // Fails when the ranks are removed (every rank 0: declared order, s0 first). With
  // scheduling 'fifo' (the order before ranking) s0..s5 go first, as the test says.
  for (const scheduling of ['critical-path', 'fifo'] as const) {
    test(`the chain goes before the short tasks declared first (${scheduling})`, slow, async () => {
      const engine = startEngine({ threads: 1, maxConcurrency: 1, scheduling })
      const file = join(await tempDir(), 'order.txt')
      await publishShortFirst(engine, file)
      expect((await engine.execute('short-first')).status).toBe('success')
      const ran = await order(file)
      if (scheduling === 'critical-path') {
        expect(ran.slice(0, 3)).toEqual(['root', 'c0', 'c1'])
      } else {
        expect(ran.slice(0, 7)).toEqual(['root', 's0', 's1', 's2', 's3', 's4', 's5'])
      }
      // The estimate of the critical path: every task measured, the chain the longest.
      const estimated = engine.getExecutionPlan('short-first').estimatedCriticalPath!
      expect(estimated.taskIds).toEqual(['root', 'c0', 'c1', 'c2'])
      expect(estimated.measured).toBe(true)
      expect(engine.stats().scheduler.threadIdleWhileReadyMs).toBeGreaterThanOrEqual(0)
    })
  }

  // Fails when the pump leaves a free thread without a batch while tasks are ready (e.g.
  // one batch per pump, or long tasks held back from a thread that is free): the idle
  // time is then counted. No timing is asserted: with the guarantee it stays exactly 0.
  test('no thread is idle while a task is ready, with long tasks measured', slow, async () => {
    const engine = startEngine({ threads: 2 })
    let b = createWorkflow('wide-long')
    for (let i = 0; i < 6; i++) b = b.addTask(`t${i}`, { handler: subject('record.mjs'), input: { us: 20_000 } })
    await engine.publishWorkflow(b.build())
    // The first execution measures the handler; the second runs with its tasks known long.
    for (let k = 0; k < 2; k++) expect((await engine.execute('wide-long')).status).toBe('success')
    expect(engine.stats().scheduler.threadIdleWhileReadyMs).toBe(0)
  })

  test('scheduling other than critical-path or fifo is refused', () => {
    expect(() => startEngine({ scheduling: 'lifo' as 'fifo' }))
      .toThrow(/^scheduling must be 'critical-path' or 'fifo'/)
  })
})

describe('execution priorities', () => {
  async function publishWide (engine: Engine, id: string, file: string): Promise<void> {
    let b = createWorkflow(id)
    for (let i = 0; i < 4; i++) b = b.addTask(`${id}${i}`, { handler: counter, input: { file } })
    await engine.publishWorkflow(b.build())
  }

  // Fails when ExecutionTurns ignores execution priorities (round robin: low1 would run
  // between high0 and high1).
  test('an execution of a higher priority gets the free thread first; its tasks all go before the rest', slow, async () => {
    const engine = startEngine({ threads: 1, maxConcurrency: 1 })
    const file = join(await tempDir(), 'order.txt')
    await publishWide(engine, 'low', file)
    await publishWide(engine, 'high', file)
    const low = engine.execute('low')
    const high = engine.execute('high', undefined, { priority: 1 })
    expect((await Promise.all([low, high])).map(r => r.status)).toEqual(['success', 'success'])
    // low0 was sent when 'low' started, before 'high' existed.
    expect(await order(file)).toEqual(['low0', 'high0', 'high1', 'high2', 'high3', 'low1', 'low2', 'low3'])
  })

  test('an execution priority that is not a finite number is refused', async () => {
    const engine = startEngine()
    await publishWide(engine, 'w', '/dev/null')
    await expect(engine.execute('w', undefined, { priority: Infinity }))
      .rejects.toThrow(InvalidOptionsError)
  })
})
