/**
 * Scenario durability: what committing each task's result before its
 * dependents start costs, against writing history in batches after.
 *
 *   durability: 'task'     MySQL storage; a task's result is committed (group commit)
 *                          before any dependent starts and before its execution reports
 *                          success
 *   durability: 'batched'  MySQL storage; results are written in batches by the
 *                          recorder, after the tasks ran
 *   memory storage         the same engine with MemoryStorage: nothing to commit, the
 *                          ceiling of what any storage can cost
 *
 * A workflow of 20 tasks with dependencies (layered, 4 wide x 5 deep, each task
 * depending on 2 of the layer above), with no-op tasks and with 1 ms fixed-work tasks
 * (bench/handlers/work.mjs, calibrated on the main thread in this run):
 *   no-op, E at once        E executions submitted together: throughput, where
 *                           group commit can share a transaction between executions
 *   no-op, one at a time    S executions one after another: each pays its own commits
 *   1 ms, E at once         CPU-bound tasks: how much of the commit cost hides
 *                           behind work
 * executions/s, engine.flush() inside the clock (the history is in storage when it
 * stops). Each MySQL engine has its own table prefix in a throwaway database.
 *
 * Until the engine knows the option, it ignores it and the two MySQL engines
 * measure the same; the first note says which build this was.
 *   npx tsx bench/durability.bench.ts [--rounds 5] [--at-once 40] [--in-a-row 20]
 */
import { parseArgs } from 'node:util'
import { Engine, type EngineOptions } from '../dist/index.js'
import { layered, toWorkflow } from './lib/graphs.js'
import { createDatabase } from './lib/mysql.js'
import { NOOP, WORK } from './lib/pool.js'
import { interleave, median, Report, THREADS, timed } from './lib/report.js'
import { mysqlStorage } from './lib/storage.js'
import { calibrate, iterationsFor } from './lib/work.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'at-once': { type: 'string', default: '40' },
    'in-a-row': { type: 'string', default: '20' }
  }
})
const rounds = Number(values.rounds)
const AT_ONCE = Number(values['at-once'])
const IN_A_ROW = Number(values['in-a-row'])
const WIDTH = 4
const TASKS = 20

type Durability = 'task' | 'batched'

const report = new Report('durability', `durability 'task' vs 'batched' (MySQL) vs memory storage: ${TASKS}-task workflows, executions/s`)
const db = await createDatabase('durability')
const engines: Record<string, Engine> = {}
try {
  const mysqlEngine = async (durability: Durability, prefix: string): Promise<Engine> =>
    new Engine({ threads: THREADS, storage: await mysqlStorage(db.uri, prefix), durability })
  engines.task = await mysqlEngine('task', 'tsk_')
  engines.batched = await mysqlEngine('batched', 'bat_')
  engines.memory = new Engine({ threads: THREADS })

  const perUs = calibrate()
  const spec = layered(TASKS, WIDTH)
  const noopWf = toWorkflow(spec, NOOP, undefined, 'durability-noop')
  const workWf = toWorkflow(spec, WORK, { iterations: iterationsFor(1000, perUs) }, 'durability-1ms')
  for (const engine of Object.values(engines)) {
    await engine.publishWorkflow(noopWf)
    await engine.publishWorkflow(workWf)
  }
  const check = (results: Array<{ status: string }>): void => {
    if (results.some(r => r.status !== 'success')) throw new Error('an execution failed')
  }
  const atOnce = (engine: Engine, id: string) => () => timed(async () => {
    check(await Promise.all(Array.from({ length: AT_ONCE }, () => engine.execute(id))))
    await engine.flush()
  })
  const inARow = (engine: Engine, id: string) => () => timed(async () => {
    for (let i = 0; i < IN_A_ROW; i++) check([await engine.execute(id)])
    await engine.flush()
  })
  const workloads = [
    { key: 'noop-at-once', label: `no-op tasks, ${AT_ONCE} executions at once`, run: atOnce, wf: noopWf, count: AT_ONCE },
    { key: 'noop-in-a-row', label: `no-op tasks, ${IN_A_ROW} executions one at a time`, run: inARow, wf: noopWf, count: IN_A_ROW },
    { key: 'work-at-once', label: `1 ms tasks, ${AT_ONCE} executions at once`, run: atOnce, wf: workWf, count: AT_ONCE }
  ]
  const cases: Record<string, () => Promise<number>> = {}
  for (const w of workloads) for (const [name, engine] of Object.entries(engines)) cases[`${w.key} ${name}`] = w.run(engine, w.wf.id)
  await interleave(cases, 1)
  const samples = await interleave(cases, rounds)
  const eps = (key: string, count: number): number => count / median(samples[key]) * 1000

  for (const w of workloads) {
    const memory = { name: 'memory storage', value: eps(`${w.key} memory`, w.count) }
    report.add({
      name: `${w.label}: MySQL, durability 'task'`, value: eps(`${w.key} task`, w.count), unit: 'executions/s',
      baseline: { name: "MySQL, durability 'batched'", value: eps(`${w.key} batched`, w.count), kind: 'reference' }, ceiling: memory
    })
    report.add({ name: `${w.label}: MySQL, durability 'batched'`, value: eps(`${w.key} batched`, w.count), unit: 'executions/s', ceiling: memory })
  }
  for (const [name, engine] of Object.entries(engines)) {
    const t = engine.stats().tracer
    if (t.spansDropped > 0 || t.writeErrors > 0) report.note(`${name}: ${t.spansDropped} spans dropped, ${t.writeErrors} write errors`)
  }
  report.note(`workflow: ${TASKS} tasks, layered ${WIDTH} wide x ${TASKS / WIDTH} deep, 2 dependencies per task; 1 ms = ${iterationsFor(1000, perUs)} iterations of fixed work, calibrated in this run; ${THREADS} threads per engine`)
  report.note(`medians of ${rounds} interleaved rounds after one warm-up round; engine.flush() inside the clock`)
  for (const [name, v] of Object.entries(samples)) report.detail(`${name}: ${v.map(x => x.toFixed(1)).join(', ')} ms`)
  report.write()
} finally {
  for (const engine of Object.values(engines)) await engine.close()
  await db.drop()
}
