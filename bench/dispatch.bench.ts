/**
 * Scenario 1, dispatch: what the engine costs per task when tasks do nothing.
 *
 * A 10k-task layered DAG (32 wide, 2 deps per task) of no-ops:
 *   graph-task                  the DAG, engine.flush() inside the clock
 *   raw Piscina, 1 per message  10k `pool.run` at once, no DAG (naive: one message
 *                               and one promise per task, what a user writes first)
 *   hand-batched Piscina, 8     10k no-ops packed 8 to a message by the caller, no DAG
 *   hand-batched Piscina, 64    ... 64 to a message: the pool's ceiling
 *   p-graph + Piscina           the DAG with p-graph driving one `pool.run` per task
 *   ... returning a value       the DAG and hand-batched 64, each task returning `{ n: 1, s: 'abc' }`
 * A 2k-step chain of no-ops:
 *   graph-task                  the chain, engine.flush() inside the clock
 *   raw Piscina serial          `await pool.run()` 2000 times (naive: a round trip per step)
 *   fused                       one `pool.run` whose worker loops over the 2000 steps
 *                               (raw.mjs#chain): the ceiling
 *   p-graph + Piscina           the chain, one `pool.run` per step
 *
 * For each: tasks/s and main-thread µs per task (event-loop active time / tasks,
 * bench/lib/elu.ts). All on every thread (min = max threads), so the main thread
 * shares the cores with the workers: read the µs as an upper bound, and
 * bench/main-thread.bench.ts for the figure with a core to itself.
 * One warm engine and one warm pool for every iteration; cases interleaved; medians.
 *   npx tsx bench/dispatch.bench.ts [--rounds 7]
 */
import { parseArgs } from 'node:util'
import { Engine } from '../dist/index.js'
import { sampled, usPer, type Sample } from './lib/elu.js'
import { chain, layered, toPGraph, toWorkflow } from './lib/graphs.js'
import { handBatched, NOOP, oneByOne, rawPool, SMALL, warmPool } from './lib/pool.js'
import { interleave, median, Report, THREADS } from './lib/report.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } })
const rounds = Number(values.rounds)
const LAYERED_TASKS = 10_000
const CHAIN_STEPS = 2_000

const report = new Report('dispatch', 'no-op tasks: 10k-task layered DAG and 2k-step chain; tasks/s and main-thread µs per task')
const engine = new Engine({ threads: THREADS })
const pool = rawPool()
try {
  const layeredSpec = layered(LAYERED_TASKS, 32)
  const chainSpec = chain(CHAIN_STEPS)
  const layeredWf = toWorkflow(layeredSpec, NOOP)
  const chainWf = toWorkflow(chainSpec, NOOP)
  const valueWf = toWorkflow(layeredSpec, SMALL, undefined, `${layeredSpec.name}-value`)
  await engine.publishWorkflow(valueWf)
  await engine.publishWorkflow(layeredWf)
  await engine.publishWorkflow(chainWf)
  await warmPool(pool)
  const noop = (): Promise<unknown> => pool.run(null, { name: 'noop' })
  const pgLayered = toPGraph(layeredSpec, noop)
  const pgChain = toPGraph(chainSpec, noop)

  const execute = async (id: string): Promise<void> => {
    const result = await engine.execute(id)
    if (result.status !== 'success') throw new Error(`${id} ended ${result.status}: ${result.error?.message}`)
    await engine.flush()
  }
  const cases: Record<string, () => Promise<Sample>> = {
    'graph-task layered': () => sampled(() => execute(layeredWf.id)),
    'raw 1 per message': () => sampled(() => oneByOne(pool, LAYERED_TASKS, 'noop')),
    'hand-batched 8': () => sampled(() => handBatched(pool, LAYERED_TASKS, 8, 'noop')),
    'hand-batched 64': () => sampled(() => handBatched(pool, LAYERED_TASKS, 64, 'noop')),
    'graph-task layered, value': () => sampled(() => execute(valueWf.id)),
    'hand-batched 64, value': () => sampled(() => handBatched(pool, LAYERED_TASKS, 64, 'small')),
    'p-graph + Piscina layered': () => sampled(() => pgLayered.run()),
    'graph-task chain': () => sampled(() => execute(chainWf.id)),
    'raw serial': () => sampled(async () => { for (let i = 0; i < CHAIN_STEPS; i++) await noop() }),
    'fused chain': () => sampled(() => pool.run({ steps: CHAIN_STEPS }, { name: 'chain' })),
    'p-graph + Piscina chain': () => sampled(() => pgChain.run())
  }
  // One untimed round: JIT, handler modules loaded, the engine's run-time estimates measured.
  await interleave(cases, 1)
  const before = engine.stats().scheduler
  const samples = await interleave(cases, rounds)
  const after = engine.stats().scheduler

  const tps = (name: string): number => LAYERED_TASKS / median(samples[name].map(s => s.ms)) * 1000
  const mainUs = (units: number) => (name: string): number => median(samples[name].map(s => usPer(s, units)))
  const layeredUs = mainUs(LAYERED_TASKS)
  const label = {
    raw: 'raw Piscina, one task per message',
    hb8: 'hand-batched Piscina, 8 per message',
    hb64: 'hand-batched Piscina, 64 per message'
  }
  const vs = (value: (name: string) => number) => ({
    baseline: { name: label.raw, value: value('raw 1 per message'), kind: 'naive' as const },
    ceiling: { name: label.hb64, value: value('hand-batched 64') }
  })
  report.add({ name: 'layered 10k: graph-task', value: tps('graph-task layered'), unit: 'tasks/s', ...vs(tps), target: { op: '>=', value: 1.0 } })
  report.add({ name: 'layered 10k: graph-task main thread', value: layeredUs('graph-task layered'), unit: 'us/task', ...vs(layeredUs) })
  // The same DAG, each task returning a small value: beside the figure returning nothing,
  // against the hand-batched loop returning the same values.
  const valueVs = (value: (name: string) => number) => ({
    baseline: { name: 'the same DAG returning nothing', value: value('graph-task layered'), kind: 'reference' as const },
    ceiling: { name: `${label.hb64}, each returning { n: 1, s: 'abc' }`, value: value('hand-batched 64, value') }
  })
  report.add({ name: "layered 10k, each task returning { n: 1, s: 'abc' }: graph-task", value: tps('graph-task layered, value'), unit: 'tasks/s', ...valueVs(tps), target: { op: '>=', value: 0.8 } })
  report.add({ name: "layered 10k, each task returning { n: 1, s: 'abc' }: graph-task main thread", value: layeredUs('graph-task layered, value'), unit: 'us/task', ...valueVs(layeredUs) })
  report.add({ name: `10k tasks returning { n: 1, s: 'abc' }, no DAG: ${label.hb64}`, value: tps('hand-batched 64, value'), unit: 'tasks/s', ceiling: vs(tps).ceiling })
  report.add({ name: `10k no-ops, no DAG: ${label.hb8}`, value: tps('hand-batched 8'), unit: 'tasks/s', ...vs(tps) })
  report.add({ name: `10k no-ops, no DAG: ${label.hb8}, main thread`, value: layeredUs('hand-batched 8'), unit: 'us/task', ...vs(layeredUs) })
  report.add({ name: `10k no-ops, no DAG: ${label.raw}`, value: tps('raw 1 per message'), unit: 'tasks/s', ceiling: vs(tps).ceiling })
  report.add({ name: `10k no-ops, no DAG: ${label.raw}, main thread`, value: layeredUs('raw 1 per message'), unit: 'us/task', ceiling: vs(layeredUs).ceiling })
  report.add({ name: `10k no-ops, no DAG: ${label.hb64}, the ceiling`, value: tps('hand-batched 64'), unit: 'tasks/s' })
  report.add({ name: `10k no-ops, no DAG: ${label.hb64}, the ceiling, main thread`, value: layeredUs('hand-batched 64'), unit: 'us/task' })
  report.add({ name: 'layered 10k: p-graph + Piscina', value: tps('p-graph + Piscina layered'), unit: 'tasks/s', ...vs(tps) })
  report.add({ name: 'layered 10k: p-graph + Piscina main thread', value: layeredUs('p-graph + Piscina layered'), unit: 'us/task', ...vs(layeredUs) })
  report.add({ name: 'layered 10k: graph-task vs p-graph + Piscina', value: tps('graph-task layered'), unit: 'tasks/s', baseline: { name: 'p-graph + Piscina', value: tps('p-graph + Piscina layered'), kind: 'naive' } })

  const stepUs = (name: string): number => median(samples[name].map(s => s.ms)) / CHAIN_STEPS * 1000
  const chainMainUs = mainUs(CHAIN_STEPS)
  const chainVs = (value: (name: string) => number) => ({
    baseline: { name: 'raw Piscina, a round trip per step', value: value('raw serial'), kind: 'naive' as const },
    ceiling: { name: 'one pool.run looping over the steps (fused)', value: value('fused chain') }
  })
  report.add({ name: 'chain 2k: graph-task per step', value: stepUs('graph-task chain'), unit: 'us/step', ...chainVs(stepUs), target: { op: '<=', value: 1.2 } })
  report.add({ name: 'chain 2k: graph-task main thread per step', value: chainMainUs('graph-task chain'), unit: 'us/step', ...chainVs(chainMainUs) })
  report.add({ name: 'chain 2k: p-graph + Piscina per step', value: stepUs('p-graph + Piscina chain'), unit: 'us/step', ...chainVs(stepUs) })

  const tasks = after.tasksDispatched - before.tasksDispatched
  const batches = after.batchesDispatched - before.batchesDispatched
  report.note(`graph-task sent ${tasks} tasks in ${batches} worker messages (${(tasks / batches).toFixed(1)} tasks per message)`)
  report.note('ratio: against raw Piscina one task per message (naive: what a user writes first) or a serial round trip per step (naive); of ceiling: against hand-batched Piscina, 64 no-ops per message, no DAG, or one pool.run looping over the chain (the ceilings)')
  report.note(`main-thread µs per task: event-loop active time over the run / tasks; ${THREADS} worker threads share ${THREADS} cores with the main thread, so these are upper bounds (main-thread scenario: one worker thread)`)
  report.note(`medians of ${rounds} interleaved rounds after one warm-up round; graph-task's clock stops after engine.flush(); ${THREADS} threads everywhere, min = max threads, idleTimeout 60000`)
  for (const [name, v] of Object.entries(samples)) report.detail(`${name}: ${v.map(s => s.ms.toFixed(1)).join(', ')} ms`)
  report.write()
} finally {
  await engine.close()
  await pool.destroy()
}
