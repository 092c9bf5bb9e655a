/**
 * The headline figure: what the main thread spends per task.
 *
 *   graph-task            no-op handler, layered DAG 64 wide x 160 deep (10240 tasks,
 *                         each depending on 2 of the layer above), ONE worker thread,
 *                         --executions executions one after another, engine.flush()
 *                         after the last; the main thread's event-loop active time
 *                         over all of it / tasks. Warm-up executions first.
 *   hand-batched Piscina  the same number of no-op tasks, 64 per message, one thread:
 *                         the ceiling (no DAG, nothing recorded)
 *   raw Piscina           one task per message, all at once: the naive baseline
 *   ... returning a value the same DAG and the same hand-batched loop, each task returning
 *                         `{ n: 1, s: 'abc' }`: what a small value costs on both threads
 *
 * One worker thread on a box with two cores, so that the main thread has a core to
 * itself and its active time is its own work, not time spent waiting for the CPU.
 * Cases interleaved; medians of --rounds.
 *
 *   npx tsx bench/main-thread.bench.ts [--rounds 3] [--executions 5] [--warmup 2] [--threads 1]
 *
 * After a change to the core, the figure alone, in a few seconds:
 *   npx tsx bench/main-thread.bench.ts --only graph-task
 * A CPU profile of graph-task alone (no JSON written with --only):
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx bench/main-thread.bench.ts --only graph-task --rounds 1 --executions 20
 *   node --trace-gc --import tsx bench/main-thread.bench.ts --only graph-task --rounds 1
 * GRAPH_TASK_BENCH_ONLY=graph-task does what --only does.
 */
import { parseArgs } from 'node:util'
import { Engine } from '../dist/index.js'
import { cpuUsPer, sampled, usPer, type Sample } from './lib/elu.js'
import { layered, toWorkflow } from './lib/graphs.js'
import { handBatched, NOOP, oneByOne, rawPool, SMALL, warmPool } from './lib/pool.js'
import { interleave, median, Report } from './lib/report.js'

const CASES = ['graph-task', 'graph-task-value', 'hand-batched', 'hand-batched-value', 'one-by-one'] as const
type Case = typeof CASES[number]

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    executions: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    only: { type: 'string', default: process.env.GRAPH_TASK_BENCH_ONLY ?? CASES.join(',') },
    'no-write': { type: 'boolean', default: false }
  }
})
const rounds = Number(values.rounds)
const EXECUTIONS = Number(values.executions)
const WARMUP = Number(values.warmup)
const THREADS = Number(values.threads)
const only = new Set(values.only!.split(',').map(s => s.trim()))
for (const name of only) if (!(CASES as readonly string[]).includes(name)) throw new Error(`--only: unknown case ${name} (cases: ${CASES.join(', ')})`)
const WIDTH = 64
const DEPTH = 160
const TASKS = WIDTH * DEPTH
const PER_MESSAGE = 64

const report = new Report('main-thread', `main-thread µs per task: no-op layered DAG ${WIDTH} wide x ${DEPTH} deep, ${THREADS} worker thread${THREADS === 1 ? '' : 's'}, event-loop utilisation`, THREADS)
const engine = only.has('graph-task') || only.has('graph-task-value') ? new Engine({ threads: THREADS }) : undefined
const pool = only.has('hand-batched') || only.has('hand-batched-value') || only.has('one-by-one') ? rawPool(THREADS) : undefined
try {
  const wf = toWorkflow(layered(TASKS, WIDTH), NOOP, undefined, `layered-${WIDTH}x${DEPTH}`)
  const valueWf = toWorkflow(layered(TASKS, WIDTH), SMALL, undefined, `layered-${WIDTH}x${DEPTH}-value`)
  const execute = async (id: string): Promise<void> => {
    const result = await engine!.execute(id)
    if (result.status !== 'success') throw new Error(`${id} ended ${result.status}: ${result.error?.message}`)
  }
  const cases: Partial<Record<Case, () => Promise<Sample>>> = {}
  if (engine !== undefined) {
    for (const [name, id] of [['graph-task', wf.id], ['graph-task-value', valueWf.id]] as const) {
      if (!only.has(name)) continue
      await engine.publishWorkflow(name === 'graph-task' ? wf : valueWf)
      for (let i = 0; i < WARMUP; i++) await execute(id)
      await engine.flush()
      cases[name] = () => sampled(async () => {
        for (let i = 0; i < EXECUTIONS; i++) await execute(id)
        await engine.flush()
      })
    }
  }
  if (pool !== undefined) {
    await warmPool(pool, THREADS)
    for (let i = 0; i < WARMUP; i++) {
      await handBatched(pool, TASKS, PER_MESSAGE, 'noop')
      await handBatched(pool, TASKS, PER_MESSAGE, 'small')
      await oneByOne(pool, TASKS, 'noop')
    }
    for (const [name, fn] of [['hand-batched', 'noop'], ['hand-batched-value', 'small']] as const) {
      if (only.has(name)) cases[name] = () => sampled(async () => { for (let i = 0; i < EXECUTIONS; i++) await handBatched(pool, TASKS, PER_MESSAGE, fn) })
    }
    if (only.has('one-by-one')) {
      cases['one-by-one'] = () => sampled(async () => { for (let i = 0; i < EXECUTIONS; i++) await oneByOne(pool, TASKS, 'noop') })
    }
  }
  const before = engine?.stats().scheduler
  const samples = await interleave(cases as Record<string, () => Promise<Sample>>, rounds)
  const after = engine?.stats().scheduler
  const tasks = TASKS * EXECUTIONS
  const us = (name: Case): number => median(samples[name].map(s => usPer(s, tasks)))
  const cpuUs = (name: Case): number => median(samples[name].map(s => cpuUsPer(s, tasks)))
  const tps = (name: Case): number => tasks / median(samples[name].map(s => s.ms)) * 1000
  const has = (name: Case): boolean => samples[name] !== undefined
  const labels: Record<Case, string> = {
    'graph-task': 'graph-task',
    'hand-batched': `hand-batched Piscina, ${PER_MESSAGE} per message`,
    'graph-task-value': "graph-task, each task returning { n: 1, s: 'abc' }",
    'hand-batched-value': `hand-batched Piscina, ${PER_MESSAGE} per message, each returning { n: 1, s: 'abc' }`,
    'one-by-one': 'raw Piscina, one task per message'
  }
  const compare = (value: (name: Case) => number) => ({
    ...(has('one-by-one') ? { baseline: { name: labels['one-by-one'], value: value('one-by-one'), kind: 'naive' as const } } : {}),
    ...(has('hand-batched') ? { ceiling: { name: labels['hand-batched'], value: value('hand-batched') } } : {})
  })
  const shape = `layered ${WIDTH}x${DEPTH}, ${THREADS} thread${THREADS === 1 ? '' : 's'}`
  if (has('graph-task')) {
    report.add({ name: `main thread per task: graph-task, ${shape}`, value: us('graph-task'), unit: 'us/task', ...compare(us), target: { op: '<=', value: 2, of: 'value' } })
    if (Number.isFinite(cpuUs('graph-task'))) {
      report.add({ name: `main thread on-CPU per task (Linux schedstat, not counting waits for a core): graph-task, ${shape}`, value: cpuUs('graph-task'), unit: 'us/task', ...compare(cpuUs) })
    }
    report.add({ name: `throughput: graph-task, ${shape}`, value: tps('graph-task'), unit: 'tasks/s', ...compare(tps) })
  }
  if (has('graph-task-value')) {
    const valueCeiling = (value: (name: Case) => number) => has('hand-batched-value') ? { ceiling: { name: labels['hand-batched-value'], value: value('hand-batched-value') } } : {}
    const nothing = (value: (name: Case) => number) => has('graph-task') ? { baseline: { name: 'the same DAG returning nothing', value: value('graph-task'), kind: 'reference' as const } } : {}
    const valueShape = `${shape}, each task returning { n: 1, s: 'abc' }`
    report.add({ name: `main thread per task: graph-task, ${valueShape}`, value: us('graph-task-value'), unit: 'us/task', ...nothing(us), ...valueCeiling(us), target: { op: '<=', value: 1, of: 'value' } })
    if (Number.isFinite(cpuUs('graph-task-value'))) {
      report.add({ name: `main thread on-CPU per task: graph-task, ${valueShape}`, value: cpuUs('graph-task-value'), unit: 'us/task', ...nothing(cpuUs), ...valueCeiling(cpuUs) })
    }
    report.add({ name: `throughput: graph-task, ${valueShape}`, value: tps('graph-task-value'), unit: 'tasks/s', ...nothing(tps), ...valueCeiling(tps), ...(has('graph-task') ? { target: { op: '>=' as const, value: 0.8 } } : {}) })
  }
  if (has('hand-batched-value')) report.add({ name: `main thread per task: ${labels['hand-batched-value']}, ${THREADS} thread${THREADS === 1 ? '' : 's'}`, value: us('hand-batched-value'), unit: 'us/task' })
  if (has('hand-batched')) report.add({ name: `main thread per task: ${labels['hand-batched']}, ${THREADS} thread${THREADS === 1 ? '' : 's'}`, value: us('hand-batched'), unit: 'us/task' })
  if (has('one-by-one')) report.add({ name: `main thread per task: ${labels['one-by-one']}, ${THREADS} thread${THREADS === 1 ? '' : 's'}`, value: us('one-by-one'), unit: 'us/task' })
  if (before !== undefined && after !== undefined) {
    const sent = after.tasksDispatched - before.tasksDispatched
    const messages = after.batchesDispatched - before.batchesDispatched
    report.note(`graph-task sent ${sent} tasks in ${messages} worker messages (${(sent / messages).toFixed(1)} tasks per message)`)
  }
  report.note(`main-thread µs per task = event-loop active time (performance.eventLoopUtilization) over ${EXECUTIONS} executions of ${TASKS} tasks, flush included, / ${tasks}; medians of ${rounds} interleaved rounds after ${WARMUP} warm-up executions`)
  for (const [name, v] of Object.entries(samples)) {
    report.detail(`${name}: ${v.map(s => `${usPer(s, tasks).toFixed(2)} us/task active (${cpuUsPer(s, tasks).toFixed(2)} on CPU, ${s.waitMs.toFixed(0)} ms waiting for a core) in ${s.ms.toFixed(0)} ms`).join('; ')}`)
  }
  if (values['no-write'] || only.size < CASES.length) console.log('# not written: --no-write or --only')
  else report.write()
} finally {
  await engine?.close()
  await pool?.destroy()
}
