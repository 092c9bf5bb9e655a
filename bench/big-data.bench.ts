/**
 * Scenario 7, big data: a 64 MB Uint8Array through a 4-step chain (make, then three
 * steps that touch every 4 KiB page and pass it on), transferred versus cloned.
 *
 *   graph-task, storeOutputs: false,  typed arrays >= 64 KiB travel by transfer: no copy
 *     retry.maxAutoRetries: 0
 *   graph-task, storeOutputs: false   transferred, but the main thread keeps a copy of each
 *                                     input it hands on, for a retry (default retry policy)
 *   graph-task, default               transferred, plus one serialised copy of each output
 *                                     kept for history and resume (storeOutputs)
 *   raw Piscina, cloned               the buffer passed without a transferList: copied
 *                                     on the way in and on the way back, at every step
 *   raw Piscina, transferred          transferList in, Piscina.move() out: the limit
 *
 * Each engine keeps one finished execution (retainExecutions: 1, MemoryStorage
 * maxExecutions: 1): with the defaults (1000 and 10000) a 64 MB output per run would
 * be held by the history, which is not what this scenario measures.
 *   npx tsx bench/big-data.bench.ts [--rounds 5] [--mb 64]
 */
import { parseArgs } from 'node:util'
import type { Piscina } from 'piscina'
import { Engine, MemoryStorage, createWorkflow, type Workflow } from '../dist/index.js'
import { rawPool, warmPool } from './lib/pool.js'
import { interleave, median, Report, THREADS, timed } from './lib/report.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, mb: { type: 'string', default: '64' } } })
const rounds = Number(values.rounds)
const BYTES = Number(values.mb) * 1024 * 1024
const STEPS = 4
const HANDLERS = new URL('./handlers/buffer.mjs', import.meta.url).href

function bufferChain (): Workflow {
  const builder = createWorkflow(`buffer-chain-${STEPS}`)
  builder.addTask('s0', { handler: `${HANDLERS}#make`, input: { bytes: BYTES } })
  for (let i = 1; i < STEPS; i++) {
    builder.addTask(`s${i}`, { handler: `${HANDLERS}#pass`, dependsOn: [`s${i - 1}`], input: { from: `s${i - 1}` } })
  }
  return builder.build()
}

async function rawChain (pool: Piscina, transfer: boolean): Promise<void> {
  let data = await pool.run({ bytes: BYTES, transfer }, { name: 'make' }) as Uint8Array
  for (let i = 1; i < STEPS; i++) {
    data = await pool.run({ data, transfer }, { name: 'pass', ...(transfer ? { transferList: [data.buffer] as never } : {}) }) as Uint8Array
  }
  if (data.byteLength !== BYTES || data[4096] !== ((4096 & 0xff) + STEPS - 1)) throw new Error('raw chain lost data')
}

const report = new Report('big-data', `a ${BYTES / 1024 / 1024} MB buffer through a ${STEPS}-step chain: transferred vs cloned`)
const transferEngine = new Engine({ threads: THREADS, storeOutputs: false, retainExecutions: 1, retry: { maxAutoRetries: 0 } })
const retryEngine = new Engine({ threads: THREADS, storeOutputs: false, retainExecutions: 1 })
const defaultEngine = new Engine({ threads: THREADS, retainExecutions: 1, storage: new MemoryStorage({ maxExecutions: 1 }) })
const pool = rawPool()
try {
  const wf = bufferChain()
  await transferEngine.publishWorkflow(wf)
  await retryEngine.publishWorkflow(wf)
  await defaultEngine.publishWorkflow(wf)
  await warmPool(pool)
  const run = (engine: Engine) => timed(async () => {
    const result = await engine.execute(wf.id)
    await engine.flush()
    if (result.status !== 'success') throw new Error(`${wf.id} ended ${result.status}: ${result.error?.message}`)
    const out = result.tasks[`s${STEPS - 1}`].output as Uint8Array
    if (out.byteLength !== BYTES || out[4096] !== ((4096 & 0xff) + STEPS - 1)) throw new Error('engine chain lost data')
  })
  const cases: Record<string, () => Promise<number>> = {
    'graph-task transfer': () => run(transferEngine),
    'graph-task storeOutputs:false': () => run(retryEngine),
    'graph-task default': () => run(defaultEngine),
    'raw Piscina cloned': () => timed(() => rawChain(pool, false)),
    'raw Piscina transferred': () => timed(() => rawChain(pool, true))
  }
  await interleave(cases, 1)
  const samples = await interleave(cases, rounds)
  const ms = (name: string): number => median(samples[name])
  const cloned = { name: 'raw Piscina, cloned at every step', value: ms('raw Piscina cloned'), kind: 'naive' as const }
  const moved = { name: 'raw Piscina, transferred both ways', value: ms('raw Piscina transferred') }
  report.add({ name: 'graph-task transferred (storeOutputs: false, no retries)', value: ms('graph-task transfer'), unit: 'ms/execution', baseline: cloned, ceiling: moved })
  report.add({ name: 'graph-task storeOutputs: false (copy kept for retries)', value: ms('graph-task storeOutputs:false'), unit: 'ms/execution', baseline: cloned, ceiling: moved })
  report.add({ name: 'graph-task default (stored copy for history)', value: ms('graph-task default'), unit: 'ms/execution', baseline: cloned, ceiling: moved })
  report.add({ name: 'raw Piscina transferred vs cloned', value: ms('raw Piscina transferred'), unit: 'ms/execution', baseline: cloned })
  report.note(`medians of ${rounds} interleaved rounds after one warm-up round; ${THREADS} threads; graph-task's clock stops after engine.flush()`)
  for (const [name, v] of Object.entries(samples)) report.detail(`${name}: ${v.map(x => x.toFixed(1)).join(', ')} ms`)
  report.write()
} finally {
  await transferEngine.close()
  await retryEngine.close()
  await defaultEngine.close()
  await pool.destroy()
}
