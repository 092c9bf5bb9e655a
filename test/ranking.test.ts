import { describe, expect, test } from 'vitest'
import { createWorkflow } from '../src/workflow/builder.js'
import { Batcher } from '../src/runtime/batcher.js'
import { Execution } from '../src/runtime/execution.js'
import { ExecutionTurns } from '../src/runtime/execution-turns.js'
import { ReadyHeap } from '../src/runtime/ready-heap.js'
import { RunEstimates } from '../src/runtime/run-estimates.js'
import { TaskRanks } from '../src/runtime/task-ranks.js'
import { compilePlan, type Plan } from '../src/workflow/planner.js'
import { kRetryDefaults } from '../src/runtime/backoff.js'
import { mapInputOfBytes } from '../src/wire/elements.js'
import v8 from 'node:v8'

// Ranks, the ready heap and ranked batches from fixed estimates: no pool, no threads, no clock.
const short = 'file:///short.mjs'
const long = 'file:///long.mjs'

function planOf (builder: ReturnType<typeof createWorkflow>): Plan {
  return compilePlan(builder.build(), kRetryDefaults)
}

function ranked (plan: Plan, estimates: RunEstimates): Execution {
  const exec = new Execution('e', plan, new Uint8Array(0), { instanceId: 'i', storeOutputs: true, gated: false, now: 0, traceId: 't', rootSpanId: 's' })
  exec.rankWith(new TaskRanks(estimates))
  exec.readyRoots(0)
  return exec
}

function drain (exec: Execution): string[] {
  const out: string[] = []
  for (let i = exec.takeReady(); i !== -1; i = exec.takeReady()) out.push(exec.plan.ids[exec.template[i]] + (exec.mapIndex[i] === -1 ? '' : `[${exec.mapIndex[i]}]`))
  return out
}

// The first shape: short tasks declared first, then the head of a chain of long ones.
function shortFirst (): Plan {
  const b = createWorkflow('short-first')
  for (let i = 0; i < 6; i++) b.addTask(`s${i}`, { handler: short })
  b.addTask('c0', { handler: long })
  b.addTask('c1', { handler: long, dependsOn: ['c0'] })
  b.addTask('c2', { handler: long, dependsOn: ['c1'] })
  return planOf(b)
}

function measure (estimates: RunEstimates, plan: Plan, handler: string, ms: number): void {
  estimates.measured(plan, plan.handlers.indexOf(handler), ms)
}

describe('ranks', () => {
  test('a task ranks as its estimate plus the longest rank among its dependents', () => {
    const plan = shortFirst()
    const estimates = new RunEstimates()
    measure(estimates, plan, new URL(short).href, 20)
    measure(estimates, plan, new URL(long).href, 60)
    const ranks = new TaskRanks(estimates).rank(plan)
    expect(ranks[plan.index.get('c0')!]).toBe(180)
    expect(ranks[plan.index.get('c2')!]).toBe(60)
    expect(ranks[plan.index.get('s0')!]).toBe(20)
    expect(new TaskRanks(estimates).criticalPath(plan)).toEqual({ tasks: [6, 7, 8], ms: 180 })
  })

  test('an unmeasured handler counts as the mean of the measured ones, or 1 ms when none is', () => {
    const plan = shortFirst()
    const estimates = new RunEstimates()
    // Nothing measured: ranks count tasks, so the chain still goes first.
    expect(drain(ranked(plan, estimates))).toEqual(['c0', 's0', 's1', 's2', 's3', 's4', 's5'])
    measure(estimates, plan, new URL(short).href, 20)
    const ranks = new TaskRanks(estimates).rank(plan)
    expect(ranks[plan.index.get('c0')!]).toBe(60)
  })

  // Fails when the ready heap is replaced by first in, first out (or ranks are all 0):
  // the six short tasks declared first would go first.
  test('the ready task with the longest path to the end goes first, declared order breaking ties', () => {
    const plan = shortFirst()
    const estimates = new RunEstimates()
    measure(estimates, plan, new URL(short).href, 20)
    measure(estimates, plan, new URL(long).href, 60)
    expect(drain(ranked(plan, estimates))).toEqual(['c0', 's0', 's1', 's2', 's3', 's4', 's5'])
  })

  // Fails when cumulativePriorities (planner) ignores dependents (b would go after c), and
  // when the ready heap ignores priorities.
  test('priorities add up along dependencies and come before ranks', () => {
    const plan = planOf(createWorkflow('prio')
      .addTask('a', { handler: long })
      .addTask('a2', { handler: long, dependsOn: ['a'] })
      .addTask('b', { handler: short })
      .addTask('urgent', { handler: short, dependsOn: ['b'], priority: 5 })
      .addTask('c', { handler: short, priority: 1 }))
    expect(Array.from(plan.priorities!)).toEqual([0, 0, 5, 5, 1])
    const estimates = new RunEstimates()
    measure(estimates, plan, new URL(long).href, 60)
    measure(estimates, plan, new URL(short).href, 1)
    expect(drain(ranked(plan, estimates))).toEqual(['b', 'c', 'a'])
    expect(planOf(createWorkflow('none').addTask('a', { handler: short })).priorities).toBeNull()
  })
})

describe('ready heap', () => {
  test('pops by priority, then rank, then lowest slot, whatever the push order', () => {
    const heap = new ReadyHeap()
    const items: Array<[number, number, number]> = []
    for (let s = 0; s < 200; s++) items.push([s, (s * 7) % 3, (s * 13) % 5])
    // A fixed shuffle, so that push order differs from the expected order.
    for (let k = 0; k < items.length; k++) {
      const j = (k * 89) % items.length
      ;[items[k], items[j]] = [items[j], items[k]]
    }
    for (const [s, p, r] of items) heap.push(s, p, r)
    const expected = [...items].sort((x, y) => y[1] - x[1] || y[2] - x[2] || x[0] - y[0]).map(x => x[0])
    const popped: number[] = []
    for (let s = heap.pop(); s !== -1; s = heap.pop()) popped.push(s)
    expect(popped).toEqual(expected)
    expect(heap.length).toBe(0)
  })

  // Fails when the sorted run is taken before a better heap top (or the reverse): the
  // pops would leave the order a reference selection gives.
  test('pushes and pops interleaved, in and out of order, give what a full sort gives', () => {
    const heap = new ReadyHeap()
    const waiting: Array<[number, number, number]> = []
    const better = (x: [number, number, number], y: [number, number, number]): boolean =>
      x[1] !== y[1] ? x[1] > y[1] : x[2] !== y[2] ? x[2] > y[2] : x[0] < y[0]
    let seed = 7
    const next = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
    for (let step = 0, slot = 0; step < 2000; step++) {
      if (next(3) !== 0 || waiting.length === 0) {
        // Mostly descending ranks, as layers of a DAG come, with some out of order.
        const item: [number, number, number] = [slot++, next(10) === 0 ? 1 : 0, next(4) === 0 ? next(50) : 50 - (slot >> 6)]
        waiting.push(item)
        heap.push(...item)
      } else {
        let best = 0
        for (let k = 1; k < waiting.length; k++) if (better(waiting[k], waiting[best])) best = k
        expect(heap.peek()).toBe(waiting[best][0])
        expect(heap.pop()).toBe(waiting[best][0])
        waiting.splice(best, 1)
      }
      expect(heap.length).toBe(waiting.length)
    }
  })
})

describe('mapped instances', () => {
  // Fails when instanceRank ignores the per-element estimates: instance 0 would go first.
  test('an element measured slow before starts first; the others go by index', () => {
    const plan = planOf(createWorkflow('map')
      .addTask('list', { handler: short })
      .addTask('each', { handler: long, map: 'list' }))
    const estimates = new RunEstimates()
    const each = plan.index.get('each')!
    for (let m = 0; m < 8; m++) estimates.measured(plan, each, m === 5 ? 40 : 2, m)
    const exec = ranked(plan, estimates)
    expect(drain(exec)).toEqual(['list'])
    exec.dispatch(0)
    const bytes = v8.serialize([0, 1, 2, 3, 4, 5, 6, 7])
    exec.setMapInput(0, mapInputOfBytes(bytes))
    exec.succeed(0, 0, 1, bytes, 0, bytes.length)
    expect(drain(exec)).toEqual(['each[5]', 'each[0]', 'each[1]', 'each[2]', 'each[3]', 'each[4]', 'each[6]', 'each[7]'])
  })
})

describe('ranked batches', () => {
  function take (batcher: Batcher, exec: Execution, queued = false): string[] {
    const out = new Int32Array(64)
    const count = batcher.take(exec, out, { readyTotal: exec.readyLength, freeThreads: 1, concurrencyLeft: Infinity, queued })
    return Array.from(out.subarray(0, count), i => exec.plan.ids[i])
  }

  // Fails without the `estimate > budget` check of ranked batches: the long task would
  // follow the short ones on this thread.
  test('a long task heads the next batch rather than following short ones', () => {
    const b = createWorkflow('mixed')
    b.addTask('root', { handler: short })
    for (let i = 1; i < 5; i++) b.addTask(`s${i}`, { handler: short, dependsOn: [i === 1 ? 'root' : `s${i - 1}`] })
    b.addTask('l', { handler: long })
    const plan = planOf(b)
    const estimates = new RunEstimates()
    measure(estimates, plan, new URL(short).href, 1)
    measure(estimates, plan, new URL(long).href, 4.5)
    const batcher = new Batcher(5, 64, false, estimates, true)
    const exec = ranked(plan, estimates)
    // root ranks 5 (a chain of five short tasks), l 4.5: root first, and l does not fit the 4 ms left.
    expect(take(batcher, exec)).toEqual(['root'])
    expect(take(batcher, exec)).toEqual(['l'])
  })

  // Fails without the `queued` check: the long task would be sent to wait behind a busy thread's batch.
  test('a batch that would wait behind a busy thread is sent only when its first task is short', () => {
    const plan = shortFirst()
    const estimates = new RunEstimates()
    measure(estimates, plan, new URL(short).href, 1)
    measure(estimates, plan, new URL(long).href, 60)
    const batcher = new Batcher(5, 64, true, estimates, true)
    const exec = ranked(plan, estimates)
    expect(take(batcher, exec, true)).toEqual([])
    expect(exec.readyLength).toBe(7)
    expect(take(batcher, exec, false)).toEqual(['c0'])
    expect(take(batcher, exec, true)).toEqual(['s0', 's1', 's2', 's3', 's4'])
  })

  // Fails when #fitRanked does not order the followers: e (declared first) would follow c.
  test('dependents that follow their dependency in a batch go best first', () => {
    const plan = planOf(createWorkflow('follow')
      .addTask('c', { handler: short })
      .addTask('e', { handler: short, dependsOn: ['c'], priority: 1 })
      .addTask('f', { handler: short, dependsOn: ['c'], priority: 16 }))
    const estimates = new RunEstimates()
    measure(estimates, plan, new URL(short).href, 1)
    const batcher = new Batcher(5, 64, true, estimates, true)
    expect(take(batcher, ranked(plan, estimates))).toEqual(['c', 'f', 'e'])
  })
})

describe('execution turns', () => {
  function exec (id: string, priority: number): Execution {
    const plan = planOf(createWorkflow(id).addTask('a', { handler: short }))
    return new Execution(id, plan, new Uint8Array(0), { instanceId: 'i', storeOutputs: true, gated: false, now: 0, traceId: 't', rootSpanId: 's', priority })
  }

  // Fails when ExecutionTurns compares turns only (plain round robin): 'high' would wait its turn.
  test('a higher priority goes first; equal ones take turns in the order they were queued', () => {
    const turns = new ExecutionTurns()
    const a = exec('a', 0)
    const b = exec('b', 0)
    const high = exec('high', 2)
    turns.push(a)
    turns.push(b)
    turns.push(high)
    const order: string[] = []
    // Each execution sends a batch and is queued again, three rounds.
    for (let k = 0; k < 6; k++) {
      const next = turns.shift()!
      order.push(next.id)
      if (next.id !== 'high') turns.push(next)
    }
    expect(order).toEqual(['high', 'a', 'b', 'a', 'b', 'a'])
  })
})
