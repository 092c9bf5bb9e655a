import { describe, expect, test } from 'vitest'
import { createWorkflow } from '../src/workflow/builder.js'
import { Batcher } from '../src/runtime/batcher.js'
import { Execution } from '../src/runtime/execution.js'
import { compilePlan } from '../src/workflow/planner.js'
import { kRetryDefaults } from '../src/runtime/backoff.js'

// The batcher decides batches from plans and estimates alone: no pool, no threads.
const noop = 'file:///noop.mjs'
const slow = 'file:///slow.mjs'

function execution (builder: ReturnType<typeof createWorkflow>): Execution {
  const plan = compilePlan(builder.build(), kRetryDefaults)
  const exec = new Execution('e', plan, new Uint8Array(0), { instanceId: 'i', storeOutputs: true, gated: false, now: 0, traceId: 't', rootSpanId: 's' })
  exec.readyRoots(0)
  return exec
}

function wide (n: number, handler = noop): Execution {
  const b = createWorkflow('wide')
  for (let i = 0; i < n; i++) b.addTask(`t${i}`, { handler })
  return execution(b)
}

function take (batcher: Batcher, exec: Execution, readyTotal: number, freeThreads = 1, concurrencyLeft = Infinity): string[] {
  const out = new Int32Array(64)
  const count = batcher.take(exec, out, { readyTotal, freeThreads, concurrencyLeft, queued: false })
  return Array.from(out.subarray(0, count), i => exec.plan.ids[i])
}

function measured (batcher: Batcher, exec: Execution, ms: number): void {
  for (let i = 0; i < exec.plan.size; i++) batcher.measured(exec.plan, i, ms)
}

describe('batcher', () => {
  test('a handler never measured goes alone', () => {
    const exec = wide(8)
    expect(take(new Batcher(5, 64), exec, 8)).toEqual(['t0'])
  })

  test('measured tasks fill the batch up to the time target', () => {
    const batcher = new Batcher(5, 64)
    const exec = wide(8)
    measured(batcher, exec, 2)
    // 2 ms each: the budget of 5 ms is spent after the third
    expect(take(batcher, exec, 8)).toEqual(['t0', 't1', 't2'])
    expect(exec.readyLength).toBe(5)
  })

  test('ready work is shared between the free threads', () => {
    const batcher = new Batcher(5, 64)
    const exec = wide(16)
    measured(batcher, exec, 0.01)
    expect(take(batcher, exec, 16, 4)).toHaveLength(4)
    expect(take(batcher, exec, 12, 1)).toHaveLength(12)
  })

  test('a batch holds no more than maxBatchSize tasks, nor more than maxConcurrency allows', () => {
    const batcher = new Batcher(5, 3)
    const exec = wide(10)
    measured(batcher, exec, 0.01)
    expect(take(batcher, exec, 10)).toHaveLength(3)
    expect(take(batcher, exec, 7, 1, 2)).toHaveLength(2)
  })

  test('chain successors follow their only dependency in the same batch', () => {
    const batcher = new Batcher(5, 64)
    const exec = execution(createWorkflow('chain')
      .addTask('a', { handler: noop })
      .addTask('b', { handler: noop, dependsOn: ['a'] })
      .addTask('c', { handler: noop, dependsOn: ['b'] })
      .addTask('x', { handler: noop }))
    measured(batcher, exec, 0.01)
    // a's chain first, then the other ready task; c is no one's chain successor but b's
    expect(take(batcher, exec, 2)).toEqual(['a', 'b', 'c', 'x'])
  })

  test('a task with a timeout goes alone and ends a batch', () => {
    const batcher = new Batcher(5, 64)
    const exec = execution(createWorkflow('timed')
      .addTask('a', { handler: noop })
      .addTask('t', { handler: noop, timeout: 100 })
      .addTask('b', { handler: noop }))
    measured(batcher, exec, 0.01)
    expect(take(batcher, exec, 3)).toEqual(['a'])
    expect(take(batcher, exec, 2)).toEqual(['t'])
    expect(take(batcher, exec, 1)).toEqual(['b'])
  })

  test('estimates follow what the workers measure', () => {
    const batcher = new Batcher(5, 64)
    const exec = wide(2, slow)
    batcher.measured(exec.plan, 0, 10)
    expect(batcher.estimateOf(exec.plan, 1)).toBe(10)
    batcher.measured(exec.plan, 1, 0)
    expect(batcher.estimateOf(exec.plan, 0)).toBeCloseTo(8)
  })
})
