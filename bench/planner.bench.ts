/**
 * Scenario 5, planner: build + validate + plan a large workflow, against p-graph's
 * construction of the same graph (which also validates: unknown nodes, cycles).
 *
 *   graph-task: createWorkflow().addTask() x n ... build()   (validation: ids, references, cycle)
 *               engine.publishWorkflow()                      (compilePlan: indexes, chain links,
 *                                                              definition hash, stage plan)
 *               engine.getExecutionPlan()
 *   p-graph:    new PGraph(nodeMap, dependencies)
 *
 * publishWorkflow also loads the (one) handler module in a worker: one round trip,
 * a few tens of microseconds, included. Graphs are layered, 32 wide (2 deps per task).
 *   npx tsx bench/planner.bench.ts [--rounds 7]
 */
import { parseArgs } from 'node:util'
import { Engine } from '../dist/index.js'
import { layered, toPGraph, toWorkflow, type GraphSpec } from './lib/graphs.js'
import { NOOP } from './lib/pool.js'
import { interleave, median, Report } from './lib/report.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } })
const rounds = Number(values.rounds)

const report = new Report('planner', 'build + validate + plan vs p-graph construction')
const engine = new Engine({ threads: 1 })
try {
  for (const n of [10_000, 50_000]) {
    const spec: GraphSpec = layered(n, 32)
    let split = { build: 0, plan: 0 }
    const graphTask = async (): Promise<number> => {
      const t0 = performance.now()
      const wf = toWorkflow(spec, NOOP)
      const t1 = performance.now()
      await engine.publishWorkflow(wf, { replace: true })
      const plan = engine.getExecutionPlan(wf.id)
      const t2 = performance.now()
      if (plan.totalTasks !== n) throw new Error('plan has the wrong size')
      engine.deleteWorkflow(wf.id)
      split = { build: t1 - t0, plan: t2 - t1 }
      return t2 - t0
    }
    const builds: number[] = []
    const plans: number[] = []
    const cases: Record<string, () => Promise<number>> = {
      'graph-task': async () => {
        const t = await graphTask()
        builds.push(split.build)
        plans.push(split.plan)
        return t
      },
      'p-graph': async () => {
        const t0 = performance.now()
        toPGraph(spec, async () => {})
        return performance.now() - t0
      }
    }
    await interleave(cases, 2)
    builds.length = plans.length = 0
    const samples = await interleave(cases, rounds)
    const us = (ms: number): number => ms * 1000 / n
    const pgraph = { name: 'p-graph construction', value: us(median(samples['p-graph'])) }
    report.add({ name: `${n / 1000}k tasks: graph-task build + validate + plan`, value: us(median(samples['graph-task'])), unit: 'us/task', baseline: pgraph, ...(n === 50_000 ? { target: { op: '<=', value: 1, of: 'value' } } : {}) })
    report.add({ name: `${n / 1000}k tasks: of which build() + validate`, value: us(median(builds)), unit: 'us/task' })
    report.add({ name: `${n / 1000}k tasks: of which compilePlan + getExecutionPlan`, value: us(median(plans)), unit: 'us/task' })
  }
  report.note(`medians of ${rounds} interleaved rounds after 2 warm-up rounds; layered graphs 32 wide, each task depending on 2 of the layer above`)
  report.write()
} finally {
  await engine.close()
}
