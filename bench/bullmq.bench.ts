/**
 * Scenario 4, a durable peer: BullMQ flows with sandboxed worker-thread processors
 * (useWorkerThreads: true) on the local Redis, against graph-task with MySQL storage
 * on, on the same DAG shapes of no-op tasks.
 *
 * The two persist at different moments, and the labels say so: BullMQ writes each
 * job to Redis before it runs (and its state after), graph-task runs the tasks and
 * writes their history to MySQL after, in batches; the graph-task clock stops after
 * engine.flush(), when that history is in MySQL.
 *
 * BullMQ gets its best figure: one Worker per --concurrency value (each on a queue
 * of its own, all alive for the whole run), measured interleaved with the rest, and
 * for each shape the concurrency with the best median is the baseline (the note
 * gives every concurrency's figure).
 *
 * BullMQ flows are trees (a child has one parent), so the shapes are those a tree can
 * hold, and graph-task runs the very same graphs:
 *   fan-in:  32 independent tasks and a sink that needs them all (33 nodes), F flows
 *            (executions) submitted at once: nodes/s
 *   chain:   a chain of C steps, in BullMQ a child nested in a child ...: ms per step
 * Flows are added in one addBulk; a flow is done when the worker completes its root job.
 * Every run uses its own Redis key prefix (obliterated at the end) and its own database.
 *   npx tsx bench/bullmq.bench.ts [--rounds 5] [--flows 50] [--steps 100] [--storage mysql|memory] [--concurrency 2,4,8,16]
 */
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FlowProducer, Queue, Worker, type FlowJob } from 'bullmq'
import { Engine, type ExecutionStorage } from '../dist/index.js'
import { chain, fanIn, toWorkflow, type GraphSpec } from './lib/graphs.js'
import { createDatabase, type BenchDatabase } from './lib/mysql.js'
import { NOOP } from './lib/pool.js'
import { interleave, median, Report, THREADS, timed } from './lib/report.js'
import { mysqlStorage } from './lib/storage.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    flows: { type: 'string', default: '50' },
    steps: { type: 'string', default: '100' },
    storage: { type: 'string', default: 'mysql' },
    concurrency: { type: 'string', default: [1, 2, 4, 8].map(k => k * THREADS).join(',') }
  }
})
const CONCURRENCIES = values.concurrency!.split(',').map(Number)
const rounds = Number(values.rounds)
const FLOWS = Number(values.flows)
const STEPS = Number(values.steps)
const WIDTH = 32
const connection = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) }
const prefix = `gt-bench-${randomBytes(4).toString('hex')}`
const queueOf = (concurrency: number): string => `nodes-c${concurrency}`

/** The spec as a BullMQ flow tree on queue `QUEUE`: each task's dependencies become its children. Trees only. */
function toFlow (spec: GraphSpec, tag: string, QUEUE: string): FlowJob {
  const index = new Map(spec.ids.map((id, i) => [id, i]))
  const dependents = new Map<string, number>()
  for (const deps of spec.deps) for (const d of deps) dependents.set(d, (dependents.get(d) ?? 0) + 1)
  if ([...dependents.values()].some(n => n > 1)) throw new Error(`${spec.name} is not a tree`)
  const roots = spec.ids.filter(id => !dependents.has(id))
  if (roots.length !== 1) throw new Error(`${spec.name} has ${roots.length} roots; a flow has one`)
  const node = (id: string): FlowJob => {
    const deps = spec.deps[index.get(id)!]
    const job = { name: id, queueName: QUEUE, data: { tag } }
    return deps.length === 0 ? job : { ...job, children: deps.map(node) }
  }
  // A chain nests one child per level: build it bottom-up rather than by recursion.
  if (spec.deps.every(d => d.length <= 1)) {
    let flow: FlowJob = { name: spec.ids[0], queueName: QUEUE, data: { tag } }
    for (let i = 1; i < spec.ids.length; i++) flow = { name: spec.ids[i], queueName: QUEUE, data: { tag }, children: [flow] }
    return flow
  }
  return node(roots[0])
}

const report = new Report('bullmq', 'BullMQ flows (sandboxed worker threads, Redis) vs graph-task with MySQL storage')
// Every sandboxed processor thread pipes its stdout and stderr into ours: with more
// than ten of them Node warns of a listener leak that is none.
process.stdout.setMaxListeners(0)
process.stderr.setMaxListeners(0)
const processor = fileURLToPath(new URL('./handlers/bullmq-noop.mjs', import.meta.url))
const producer = new FlowProducer({ connection, prefix })
// Job ids count per queue: a waiter is keyed by queue and id.
const waiting = new Map<string, () => void>()
const workers = CONCURRENCIES.map(concurrency => {
  const name = queueOf(concurrency)
  const worker = new Worker(name, processor, { connection, prefix, concurrency, useWorkerThreads: true })
  worker.on('completed', job => {
    const key = `${name}:${job.id}`
    const done = waiting.get(key)
    if (done !== undefined) {
      waiting.delete(key)
      done()
    }
  })
  worker.on('failed', (job, err) => { console.error(`BullMQ job ${name}:${job?.id} failed: ${err.message}`) })
  return worker
})
const queues = CONCURRENCIES.map(c => new Queue(queueOf(c), { connection, prefix }))

let db: BenchDatabase | undefined
let storage: ExecutionStorage | undefined
if (values.storage === 'mysql') {
  db = await createDatabase('bullmq')
  storage = await mysqlStorage(db.uri)
}
const engine = new Engine({ threads: THREADS, storage })
try {
  const fanSpec = fanIn(WIDTH)
  const chainSpec = chain(STEPS)
  const fanWf = toWorkflow(fanSpec, NOOP)
  const chainWf = toWorkflow(chainSpec, NOOP)
  await engine.publishWorkflow(fanWf)
  await engine.publishWorkflow(chainWf)
  await Promise.all(workers.map(w => w.waitUntilReady()))

  let round = 0
  const runFlows = async (flows: FlowJob[]): Promise<void> => {
    const nodes = await producer.addBulk(flows)
    await Promise.all(nodes.map(n => new Promise<void>(resolve => waiting.set(`${n.job.queueName}:${n.job.id}`, resolve))))
  }
  const bullFanIn = (queue: string) => (): Promise<number> => {
    const tag = `r${round++}`
    return timed(() => runFlows(Array.from({ length: FLOWS }, () => toFlow(fanSpec, tag, queue))))
  }
  const bullChain = (queue: string) => (): Promise<number> => timed(() => runFlows([toFlow(chainSpec, `r${round++}`, queue)]))
  // Two clocks: when every result is back (storage writes still in the tracer's
  // buffers), and when the history is in storage, as a BullMQ job's is when it completes.
  const resultsMs: Record<string, number[]> = { [fanWf.id]: [], [chainWf.id]: [] }
  const engineRun = async (id: string, n: number): Promise<number> => {
    const t0 = performance.now()
    const results = await Promise.all(Array.from({ length: n }, () => engine.execute(id)))
    const t1 = performance.now()
    if (results.some(r => r.status !== 'success')) throw new Error(`${id} failed`)
    await engine.flush()
    resultsMs[id].push(t1 - t0)
    return performance.now() - t0
  }
  const cases: Record<string, () => Promise<number>> = {
    'graph-task fan-in': () => engineRun(fanWf.id, FLOWS),
    'graph-task chain': () => engineRun(chainWf.id, 1)
  }
  for (const c of CONCURRENCIES) {
    cases[`BullMQ fan-in c${c}`] = bullFanIn(queueOf(c))
    cases[`BullMQ chain c${c}`] = bullChain(queueOf(c))
  }
  await interleave(cases, 1)
  resultsMs[fanWf.id].length = resultsMs[chainWf.id].length = 0
  const samples = await interleave(cases, rounds)
  const ms = (name: string): number => median(samples[name])
  const nodes = FLOWS * fanSpec.ids.length
  const storageName = values.storage === 'mysql' ? 'MySQL storage' : 'memory storage'
  /** The concurrency whose median is lowest for `shape`. */
  const best = (shape: string): number => CONCURRENCIES.reduce((a, b) => ms(`BullMQ ${shape} c${b}`) < ms(`BullMQ ${shape} c${a}`) ? b : a)
  const bestFan = best('fan-in')
  const bestChain = best('chain')
  const persists = 'BullMQ persists each job before it runs, graph-task its history after'
  const bullFan = { name: `BullMQ flows, concurrency ${bestFan} (its best of ${CONCURRENCIES.join('/')})`, value: nodes / ms(`BullMQ fan-in c${bestFan}`) * 1000, kind: 'reference' as const }
  report.add({
    name: `fan-in ${WIDTH} x ${FLOWS} flows: graph-task (${storageName}, flushed; ${persists})`, value: nodes / ms('graph-task fan-in') * 1000, unit: 'nodes/s',
    baseline: bullFan, target: { op: '>=', value: 5 }
  })
  report.add({
    name: `fan-in ${WIDTH} x ${FLOWS} flows: graph-task, results back (history still being written)`, value: nodes / median(resultsMs[fanWf.id]) * 1000, unit: 'nodes/s',
    baseline: bullFan
  })
  report.add({
    name: `chain ${STEPS}: graph-task (${storageName}, flushed; ${persists}) per step`, value: ms('graph-task chain') / STEPS, unit: 'ms/step',
    baseline: { name: `BullMQ nested flow, concurrency ${bestChain} (its best of ${CONCURRENCIES.join('/')})`, value: ms(`BullMQ chain c${bestChain}`) / STEPS, kind: 'reference' }, target: { op: '<=', value: 0.2 }
  })
  report.note(`graph-task rows marked flushed include engine.flush(): the history is in ${storageName} when the clock stops, as a BullMQ job's state is in Redis when it completes; BullMQ also wrote every job to Redis before it ran, graph-task writes nothing before a task runs`)
  report.note(`BullMQ by Worker concurrency (useWorkerThreads: true), medians: fan-in ${CONCURRENCIES.map(c => `${c}: ${(nodes / ms(`BullMQ fan-in c${c}`) * 1000).toFixed(0)} nodes/s`).join(', ')}; chain ${CONCURRENCIES.map(c => `${c}: ${(ms(`BullMQ chain c${c}`) / STEPS).toFixed(3)} ms/step`).join(', ')}; the best of each is the baseline`)
  report.note(`medians of ${rounds} interleaved rounds after one warm-up round; graph-task ${THREADS} threads`)
  for (const [name, v] of Object.entries(samples)) report.detail(`${name}: ${v.map(x => x.toFixed(1)).join(', ')} ms`)
  report.write()
} finally {
  await engine.close()
  await Promise.all(workers.map(w => w.close()))
  await producer.close()
  for (const queue of queues) {
    await queue.obliterate({ force: true })
    await queue.close()
  }
  await db?.drop()
}
