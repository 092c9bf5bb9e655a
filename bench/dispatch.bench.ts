/**
 * Scenario 1, dispatch: what the engine costs per task when tasks do nothing.
 *
 * - a 10k-task layered DAG (32 wide) of no-ops: graph-task, against raw Piscina
 *   running 10k no-op tasks submitted at once (no dependencies to honour: its
 *   ceiling), and against a naive p-graph + Piscina composition of the same DAG;
 * - a 2k-step chain of no-ops: graph-task, against raw Piscina's serial round trip
 *   (`await pool.run()` 2000 times, one after another), and p-graph + Piscina.
 *
 * One warm engine and one warm pool for every iteration; cases interleaved; medians.
 *   npx tsx bench/dispatch.bench.ts [--rounds 9]
 */
import { parseArgs } from 'node:util'
import { Engine } from '../dist/index.js'
import { chain, layered, toPGraph, toWorkflow } from './lib/graphs.js'
import { NOOP, rawPool, warmPool } from './lib/pool.js'
import { interleave, median, Report, THREADS, timed } from './lib/report.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '9' } } })
const rounds = Number(values.rounds)
const LAYERED_TASKS = 10_000
const CHAIN_STEPS = 2_000

const report = new Report('dispatch', 'no-op tasks: 10k-task layered DAG and 2k-step chain')
const engine = new Engine({ threads: THREADS })
const pool = rawPool()
try {
  const layeredSpec = layered(LAYERED_TASKS, 32)
  const chainSpec = chain(CHAIN_STEPS)
  const layeredWf = toWorkflow(layeredSpec, NOOP)
  const chainWf = toWorkflow(chainSpec, NOOP)
  await engine.publishWorkflow(layeredWf)
  await engine.publishWorkflow(chainWf)
  await warmPool(pool)
  const noop = (): Promise<unknown> => pool.run(null, { name: 'noop' })
  const pgLayered = toPGraph(layeredSpec, noop)
  const pgChain = toPGraph(chainSpec, noop)

  const execute = async (id: string): Promise<void> => {
    const result = await engine.execute(id)
    if (result.status !== 'success') throw new Error(`${id} ended ${result.status}: ${result.error?.message}`)
  }
  const cases: Record<string, () => Promise<number>> = {
    'graph-task layered': () => timed(() => execute(layeredWf.id)),
    'raw Piscina 10k at once': () => timed(() => Promise.all(Array.from({ length: LAYERED_TASKS }, noop))),
    'p-graph + Piscina layered': () => timed(() => pgLayered.run()),
    'graph-task chain': () => timed(() => execute(chainWf.id)),
    'raw Piscina serial': () => timed(async () => { for (let i = 0; i < CHAIN_STEPS; i++) await noop() }),
    'p-graph + Piscina chain': () => timed(() => pgChain.run())
  }
  // One untimed round: JIT, handler modules loaded, the engine's run-time estimates measured.
  await interleave(cases, 1)
  const before = engine.stats().scheduler
  const samples = await interleave(cases, rounds)
  const after = engine.stats().scheduler
  const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))

  const tps = (name: string): number => LAYERED_TASKS / ms[name] * 1000
  const raw = { name: 'raw Piscina 10k no-ops at once', value: tps('raw Piscina 10k at once') }
  report.add({ name: 'layered 10k: graph-task', value: tps('graph-task layered'), unit: 'tasks/s', baseline: raw, target: { op: '>=', value: 1.0 } })
  report.add({ name: 'layered 10k: p-graph + Piscina', value: tps('p-graph + Piscina layered'), unit: 'tasks/s', baseline: raw })
  report.add({ name: 'layered 10k: graph-task vs p-graph + Piscina', value: tps('graph-task layered'), unit: 'tasks/s', baseline: { name: 'p-graph + Piscina', value: tps('p-graph + Piscina layered') } })

  const us = (name: string): number => ms[name] / CHAIN_STEPS * 1000
  const serial = { name: 'raw Piscina serial round trip', value: us('raw Piscina serial') }
  report.add({ name: 'chain 2k: graph-task per step', value: us('graph-task chain'), unit: 'us/step', baseline: serial, target: { op: '<=', value: 1.2 } })
  report.add({ name: 'chain 2k: p-graph + Piscina per step', value: us('p-graph + Piscina chain'), unit: 'us/step', baseline: serial })

  const tasks = after.tasksDispatched - before.tasksDispatched
  const batches = after.batchesDispatched - before.batchesDispatched
  report.note(`graph-task sent ${tasks} tasks in ${batches} worker messages (${(tasks / batches).toFixed(1)} tasks per message)`)
  report.note(`medians of ${rounds} interleaved rounds after one warm-up round; ${THREADS} threads everywhere, min = max threads, idleTimeout 60000`)
  for (const [name, v] of Object.entries(samples)) report.note(`${name}: ${v.map(x => x.toFixed(1)).join(', ')} ms`)
  report.write()
} finally {
  await engine.close()
  await pool.destroy()
}
