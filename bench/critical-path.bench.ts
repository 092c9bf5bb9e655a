/**
 * Scenario: the order of work on uneven DAGs. Makespan of tasks of known length
 * against the lower bound of any schedule, max(critical path, work / threads):
 *   short-first   a root, 6 tasks of 20 ms declared first, then a chain of 3 of 60 ms
 *   layered       6 layers of 10 tasks, 2 random dependencies each on the layer before,
 *                 15% of tasks 60 ms, the others 4 ms (seeded: the same DAG every run)
 *   fork-join     a root, 5 branches of 3 tasks of 5 ms and one of 3 of 40 ms (declared
 *                 last), a join
 *   mapped skew   a list of 100 elements mapped over, 2 ms each but one (1%) 40 ms, late
 *                 in the list (index 95)
 * Each shape is run by
 *   graph-task, scheduling 'critical-path'   the default: ranks from measured run times
 *   graph-task, scheduling 'fifo'            the order before ranking (reference)
 *   p-graph + Piscina                        one pool.run per task, concurrency = threads,
 *                                            each node's priority set by hand to its
 *                                            length, so that p-graph's cumulative
 *                                            priority is the remaining path: the best a
 *                                            user of p-graph can do
 * A row's value is makespan / lower bound (1.0 is a perfect schedule; the bound ignores
 * every overhead). Medians of interleaved rounds after warm-up rounds, in which the
 * engines measure their run times (an engine's first execution knows none).
 *   npx tsx bench/critical-path.bench.ts [--rounds 7] [--warmup 3]
 */
import { parseArgs } from 'node:util'
import { PGraph, type DependencyList, type PGraphNodeRecord } from 'p-graph'
import { createWorkflow, Engine, type Workflow } from '../dist/index.js'
import { rawPool, warmPool } from './lib/pool.js'
import { interleave, median, Report, THREADS } from './lib/report.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, warmup: { type: 'string', default: '3' } } })
const rounds = Number(values.rounds)
const warmup = Number(values.warmup)

const HANDLERS = new URL('./handlers/timed.mjs', import.meta.url)
const spin = new URL('#spin', HANDLERS)

interface Task { id: string, us: number, deps: string[] }
interface Shape {
  name: string
  tasks: Task[]
  /** A task `each` mapped over task `list` (the last of `tasks`), one instance per element (µs). */
  map?: number[]
}

function shortFirst (): Shape {
  const tasks: Task[] = [{ id: 'root', us: 1000, deps: [] }]
  for (let i = 0; i < 6; i++) tasks.push({ id: `short${i}`, us: 20_000, deps: ['root'] })
  for (let i = 0; i < 3; i++) tasks.push({ id: `chain${i}`, us: 60_000, deps: [i === 0 ? 'root' : `chain${i - 1}`] })
  return { name: 'short-first', tasks }
}

function layered (): Shape {
  // A fixed linear congruential sequence: the same DAG in every run.
  let seed = 12345
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  const tasks: Task[] = []
  for (let layer = 0; layer < 6; layer++) {
    for (let j = 0; j < 10; j++) {
      const deps = new Set<string>()
      while (layer > 0 && deps.size < 2) deps.add(`t${layer - 1}-${Math.floor(next() * 10)}`)
      tasks.push({ id: `t${layer}-${j}`, us: next() < 0.15 ? 60_000 : 4000, deps: [...deps] })
    }
  }
  return { name: 'layered 6x10', tasks }
}

function forkJoin (): Shape {
  const tasks: Task[] = [{ id: 'root', us: 1000, deps: [] }]
  const ends: string[] = []
  for (let b = 0; b < 6; b++) {
    const us = b === 5 ? 40_000 : 5000
    for (let s = 0; s < 3; s++) tasks.push({ id: `b${b}-${s}`, us, deps: [s === 0 ? 'root' : `b${b}-${s - 1}`] })
    ends.push(`b${b}-2`)
  }
  tasks.push({ id: 'join', us: 1000, deps: ends })
  return { name: 'fork-join', tasks }
}

function mappedSkew (): Shape {
  const elements = Array.from({ length: 100 }, (_, i) => i === 95 ? 40_000 : 2000)
  return { name: 'mapped skew', tasks: [{ id: 'list', us: 1000, deps: [] }], map: elements }
}

// The shape with its map expanded: one task per element, as p-graph and the bound see it.
function expanded (shape: Shape): Task[] {
  if (shape.map === undefined) return shape.tasks
  return [...shape.tasks, ...shape.map.map((us, i) => ({ id: `each[${i}]`, us, deps: ['list'] }))]
}

/** max(critical path, work / threads), ms. */
function lowerBound (shape: Shape, threads: number): { bound: number, path: number, work: number } {
  const tasks = expanded(shape)
  const finish = new Map<string, number>()
  let path = 0
  let work = 0
  for (const t of tasks) {
    // Tasks are listed after their dependencies.
    const start = Math.max(0, ...t.deps.map(d => finish.get(d)!))
    finish.set(t.id, start + t.us)
    path = Math.max(path, start + t.us)
    work += t.us
  }
  return { bound: Math.max(path, work / threads) / 1000, path: path / 1000, work: work / 1000 }
}

function toWorkflow (shape: Shape): Workflow {
  const b = createWorkflow(shape.name.replace(/[^A-Za-z0-9-]/g, '-'))
  for (const t of shape.tasks) {
    if (shape.map !== undefined && t.id === 'list') {
      b.addTask(t.id, { handler: new URL('#list', HANDLERS), input: { us: t.us, list: shape.map } })
    } else {
      b.addTask(t.id, { handler: spin, input: { us: t.us }, dependsOn: t.deps })
    }
  }
  if (shape.map !== undefined) b.addTask('each', { handler: new URL('#element', HANDLERS), map: 'list' })
  return b.build()
}

function toPGraph (shape: Shape, run: (us: number) => Promise<unknown>): PGraph {
  const nodes: PGraphNodeRecord = {}
  const edges: DependencyList = []
  for (const t of expanded(shape)) {
    // By hand: a node's priority is its length, so its cumulative priority is its remaining path.
    nodes[t.id] = { run: () => run(t.us), priority: t.us }
    for (const d of t.deps) edges.push([d, t.id])
  }
  return new PGraph(nodes, edges)
}

const report = new Report('critical-path', `uneven DAGs: makespan over its lower bound max(critical path, work / threads), ${THREADS} threads`)
const ranked = new Engine({ threads: THREADS })
const fifo = new Engine({ threads: THREADS, scheduling: 'fifo' })
const pool = rawPool()
try {
  await warmPool(pool)
  const shapes = [shortFirst(), layered(), forkJoin(), mappedSkew()]
  const cases: Record<string, () => Promise<number>> = {}
  const idle: Record<string, number[]> = {}
  for (const shape of shapes) {
    const wf = toWorkflow(shape)
    await ranked.publishWorkflow(wf)
    await fifo.publishWorkflow(wf)
    for (const [label, engine] of [['critical-path', ranked], ['fifo', fifo]] as const) {
      idle[`${shape.name} ${label}`] = []
      cases[`${shape.name} ${label}`] = async () => {
        const idleBefore = engine.stats().scheduler.threadIdleWhileReadyMs
        const t0 = performance.now()
        const result = await engine.execute(wf.id)
        const ms = performance.now() - t0
        if (result.status !== 'success') throw new Error(`${wf.id} ended ${result.status}: ${result.error?.message}`)
        idle[`${shape.name} ${label}`].push(engine.stats().scheduler.threadIdleWhileReadyMs - idleBefore)
        return ms
      }
    }
    const graph = toPGraph(shape, us => pool.run({ us }, { name: 'spin' }))
    cases[`${shape.name} p-graph`] = async () => {
      const t0 = performance.now()
      await graph.run({ concurrency: THREADS })
      return performance.now() - t0
    }
  }
  await interleave(cases, warmup)
  for (const list of Object.values(idle)) list.length = 0
  const samples = await interleave(cases, rounds)

  for (const shape of shapes) {
    const { bound, path, work } = lowerBound(shape, THREADS)
    const of = (label: string): number => median(samples[`${shape.name} ${label}`]) / bound
    const fifoRatio = of('fifo')
    report.add({
      name: `${shape.name}: graph-task, critical-path`,
      value: of('critical-path'),
      unit: 'x lower bound',
      baseline: { name: "graph-task, scheduling 'fifo'", value: fifoRatio, kind: 'reference' },
      target: { op: '<=', value: 1.1, of: 'value' }
    })
    report.add({
      name: `${shape.name}: p-graph + Piscina, priorities by hand`,
      value: of('p-graph'),
      unit: 'x lower bound',
      baseline: { name: 'graph-task, critical-path', value: of('critical-path'), kind: 'reference' }
    })
    const wf = toWorkflow(shape)
    const estimated = ranked.getExecutionPlan(wf.id).estimatedCriticalPath!
    report.note(`${shape.name}: lower bound ${bound.toFixed(1)} ms (critical path ${path.toFixed(1)} ms, work ${work.toFixed(1)} ms over ${THREADS} threads); ` +
      `makespans ${['critical-path', 'fifo', 'p-graph'].map(l => `${l} ${median(samples[`${shape.name} ${l}`]).toFixed(1)} ms`).join(', ')}; ` +
      `critical path estimated by the engine ${estimated.ms.toFixed(1)} ms (${estimated.taskIds.join(' > ')}) against ${path.toFixed(1)} ms nominal; ` +
      `threads idle while a task was ready: ${median(idle[`${shape.name} critical-path`]).toFixed(2)} ms (critical-path), ${median(idle[`${shape.name} fifo`]).toFixed(2)} ms (fifo) per execution`)
  }
  report.note('value: makespan / lower bound, where the bound is max(critical path, work / threads) from the tasks\' nominal lengths (no overhead): 1.0 is unreachable, 1.1 the target. Baseline of graph-task\'s rows: the same engine with scheduling \'fifo\' (ready tasks in the order they became ready, the order before ranking); p-graph\'s rows: p-graph + Piscina with each node\'s priority set by hand to its length (the best ordering a user can give p-graph), one pool.run per task')
  report.note(`medians of ${rounds} interleaved rounds after ${warmup} warm-up rounds (the engines measure run times then); ${THREADS} threads everywhere`)
  for (const [name, v] of Object.entries(samples)) report.detail(`${name}: ${v.map(ms => ms.toFixed(1)).join(', ')} ms`)
  report.write()
} finally {
  await ranked.close()
  await fifo.close()
  await pool.destroy()
}
