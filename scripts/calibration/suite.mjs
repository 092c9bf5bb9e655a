/**
 * The suite scripts/bench-calibration.ts records: rounds of the default length (100 ms,
 * at least 2 executions), many of them, so that runs of the default settings can be
 * replayed from them; and compares for real with the default settings.
 *
 *   single     one 2 ms task, all of it made 1.5x slower
 *   pipeline   0.5 ms > 1.5 ms > 0.5 ms, the middle task made 1.5x slower
 *   heavy      one 60 ms task made 1.5x slower: two executions per round, the case where a
 *              test on a round's samples has too few of them
 */
import { createWorkflow } from '../../dist/index.js'
import { defineSuite } from '../../dist/bench.js'

const spin = new URL('./handlers.mjs#spin', import.meta.url)
// Recording: many rounds of the default length. Unset: the default latency settings (real comparisons).
const kRounds = Number(process.env.GRAPH_TASK_CALIBRATION_ROUNDS ?? 0)
const kLatency = kRounds > 0 ? { rounds: kRounds, maxRounds: kRounds, time: 100 * kRounds, minSamples: 2 * kRounds } : {}

const single = createWorkflow('single')
  .addTask('only', { handler: spin, input: { us: 2000, slow: true } })
  .build()

const pipeline = createWorkflow('pipeline')
  .addTask('read', { handler: spin, input: { us: 500 } })
  .addTask('transform', { handler: spin, input: { us: 1500, slow: true }, dependsOn: ['read'] })
  .addTask('write', { handler: spin, input: { us: 500 }, dependsOn: ['transform'] })
  .build()

const heavy = createWorkflow('heavy')
  .addTask('only', { handler: spin, input: { us: 60_000, slow: true } })
  .build()

export default defineSuite({
  name: 'calibration',
  defaults: { threads: [2], concurrency: [1], throughputTime: 50, ...kLatency },
  workflows: [{ workflow: single }, { workflow: pipeline }, { workflow: heavy }]
})
