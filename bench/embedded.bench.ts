/**
 * Embedded without stalls: graph-task inside a host service, where what matters
 * beside throughput is how long the host's event loop is blocked, and what history in
 * MySQL costs it (the writes run on the storage's writer thread) against history in memory.
 *
 * The image pipeline of workflows/image-pipeline (512x512 RGBA, 8 tasks, outputs of
 * 0.25-1 MB typed arrays), --in-flight executions kept running for --seconds on
 * --threads worker threads; meanwhile perf_hooks.monitorEventLoopDelay (resolution
 * 1 ms) records the main thread's event-loop delay. Cases, interleaved, --rounds each:
 *
 *   raw Piscina, hand-written DAG   the same handlers (bench/handlers/image.mjs), one
 *                                   pool.run per task chained by promises; outputs and
 *                                   inputs copied by postMessage: the baseline
 *   raw Piscina, DAG with transfer  the same, outputs moved back (Piscina.move) and each
 *                                   dependency moved to its last consumer, copied for
 *                                   the others: the best a hand-written DAG does (ceiling)
 *   graph-task, defaults            MemoryStorage, storeOutputs: true (history on)
 *   graph-task, storeOutputs: false
 *   graph-task, MySQLStorage        history on, in a throwaway database (bench/lib/mysql.ts)
 *
 *   npx tsx bench/embedded.bench.ts [--seconds 5] [--rounds 2] [--in-flight 4] [--threads 2]
 *   npx tsx bench/embedded.bench.ts --only graph-task,raw-*   (cases by name, * ends a prefix; nothing written)
 *   node --cpu-prof --import tsx bench/embedded.bench.ts --only graph-task --rounds 1
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Piscina } from 'piscina'
import { Engine, type ExecutionStorage } from '../dist/index.js'
import { sampled } from './lib/elu.js'
import { createDatabase, type BenchDatabase } from './lib/mysql.js'
import { ENGINE_IDLE_TIMEOUT } from './lib/pool.js'
import { interleave, median, Report } from './lib/report.js'
import { mysqlStorage } from './lib/storage.js'

const CASES = ['raw-copy', 'raw-transfer', 'graph-task', 'graph-task-no-store', 'graph-task-mysql'] as const
type Case = typeof CASES[number]
const LABELS: Record<Case, string> = {
  'raw-copy': 'raw Piscina, hand-written DAG (copies)',
  'raw-transfer': 'raw Piscina, hand-written DAG with transfer',
  'graph-task': 'graph-task, defaults (MemoryStorage, storeOutputs: true)',
  'graph-task-no-store': 'graph-task, storeOutputs: false',
  'graph-task-mysql': 'graph-task, MySQLStorage (storeOutputs: true)'
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '4' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string', default: CASES.join(',') },
    'no-write': { type: 'boolean', default: false }
  }
})
const SECONDS = Number(values.seconds)
const ROUNDS = Number(values.rounds)
const IN_FLIGHT = Number(values['in-flight'])
const THREADS = Number(values.threads)
const prefixes = values.only!.split(',').map(s => s.trim())
const chosen = CASES.filter(c => prefixes.some(p => c === p || (p.endsWith('*') && c.startsWith(p.slice(0, -1)))))
const INPUT = { width: 512, height: 512, seed: 1 }
const WORKFLOW = new URL('../workflows/image-pipeline/workflow.mjs', import.meta.url).href

interface Sample { perSecond: number, p50: number, p99: number, max: number, cpuMsPerExecution: number, busyMsPerExecution: number }

/** Keeps `IN_FLIGHT` runs of `once` going for SECONDS while the event-loop delay is recorded. */
async function measure (once: () => Promise<void>): Promise<Sample> {
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  const until = performance.now() + SECONDS * 1000
  let completed = 0
  let failure: unknown = null
  const lane = async (): Promise<void> => {
    while (performance.now() < until && failure === null) {
      try {
        await once()
        if (performance.now() <= until) completed++
      } catch (err) { failure = err }
    }
  }
  const started = performance.now()
  histogram.enable()
  const lanes = Array.from({ length: IN_FLIGHT }, lane)
  // The main thread's own CPU time over the window (Linux schedstat): unlike the delay, it
  // does not grow when other work on a shared box keeps the thread off a core.
  const window = await sampled(() => new Promise(resolve => setTimeout(resolve, SECONDS * 1000)))
  histogram.disable()
  const elapsed = performance.now() - started
  await Promise.all(lanes)
  if (failure !== null) throw failure
  const ms = (ns: number): number => ns / 1e6
  return {
    perSecond: completed / elapsed * 1000,
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    cpuMsPerExecution: window.cpuMs / completed,
    // Event-loop utilisation: the time the host's loop was not free to serve anything else.
    busyMsPerExecution: window.activeMs / completed
  }
}

// ---- the hand-written DAGs over raw Piscina ----

type Output = Record<string, unknown>
const STATIC: Record<string, unknown> = { generate: { shapes: 24, noise: 20 }, blur: { radius: 2 }, edges: { threshold: 96 }, downscale: { size: 64 } }

/** A copy of an output's large typed arrays, for a consumer that is not the last. */
function copyOf (output: Output): Output {
  const copy: Output = {}
  for (const key in output) {
    const v = output[key]
    copy[key] = ArrayBuffer.isView(v) && v.byteLength >= 64 * 1024 ? (v as Uint8Array).slice() : v
  }
  return copy
}

function buffersOf (output: Output): ArrayBuffer[] {
  const list: ArrayBuffer[] = []
  for (const key in output) {
    const v = output[key]
    if (ArrayBuffer.isView(v) && v.byteLength >= 64 * 1024) list.push(v.buffer as ArrayBuffer)
  }
  return list
}

async function handDag (pool: Piscina, transfer: boolean): Promise<void> {
  // `last`: this consumer is the dependency's last, so with transfer it takes the buffers.
  const run = (fn: string, deps: Record<string, [Output, boolean]>): Promise<Output> => {
    const sent: Record<string, Output> = {}
    const transferList: ArrayBuffer[] = []
    for (const id in deps) {
      const [output, last] = deps[id]
      if (!transfer) sent[id] = output
      else if (last) { sent[id] = output; transferList.push(...buffersOf(output)) } else sent[id] = copyOf(output)
    }
    return pool.run({ fn, input: INPUT, params: STATIC[fn], deps: sent, transfer }, { name: 'default', transferList: transferList as never })
  }
  const generate = await run('generate', {})
  const grayscaleP = run('grayscale', { generate: [generate, false] })
  const blurP = run('blur', { generate: [generate, false] })
  const denoiseP = run('denoise', { generate: [generate, true] })
  const grayscale = await grayscaleP
  const edgesP = run('edges', { grayscale: [grayscale, false] })
  const equalizeP = run('equalize', { grayscale: [grayscale, false] })
  const blur = await blurP
  const downscaleP = run('downscale', { blur: [blur, false] })
  const [denoise, edges, equalize, downscale] = await Promise.all([denoiseP, edgesP, equalizeP, downscaleP])
  const summary = await run('merge', {
    grayscale: [grayscale, true], blur: [blur, true], denoise: [denoise, true], edges: [edges, true], equalize: [equalize, true], downscale: [downscale, true]
  })
  if (typeof summary.checksums !== 'object') throw new Error('hand-written DAG: merge gave no summary')
}

// ---- setup ----

const report = new Report('embedded', `host event-loop delay and executions/s: image pipeline (512x512 RGBA, 8 tasks), ${IN_FLIGHT} executions in flight, ${THREADS} worker threads`, THREADS)
const engines: Engine[] = []
let pool: Piscina | null = null
let db: BenchDatabase | null = null
try {
  const workflow = (await import(WORKFLOW)).default
  const runners: Partial<Record<Case, () => Promise<Sample>>> = {}
  const engineCase = async (name: Case, storeOutputs: boolean, storage?: ExecutionStorage): Promise<void> => {
    const engine = new Engine({ threads: THREADS, storeOutputs, ...(storage === undefined ? {} : { storage }) })
    engines.push(engine)
    await engine.publishWorkflow(workflow)
    const once = async (): Promise<void> => {
      const result = await engine.execute(workflow.id, INPUT)
      if (result.status !== 'success') throw new Error(`${name}: execution ended ${result.status}: ${result.error?.message}`)
    }
    for (let i = 0; i < 4; i++) await once()
    await engine.flush()
    runners[name] = async () => {
      const sample = await measure(once)
      await engine.flush()
      return sample
    }
  }
  if (chosen.includes('raw-copy') || chosen.includes('raw-transfer')) {
    pool = new Piscina({ filename: new URL('./handlers/image.mjs', import.meta.url).href, minThreads: THREADS, maxThreads: THREADS, idleTimeout: ENGINE_IDLE_TIMEOUT, concurrentTasksPerWorker: 1 })
    for (let i = 0; i < 4; i++) { await handDag(pool, false); await handDag(pool, true) }
    if (chosen.includes('raw-copy')) runners['raw-copy'] = () => measure(() => handDag(pool!, false))
    if (chosen.includes('raw-transfer')) runners['raw-transfer'] = () => measure(() => handDag(pool!, true))
  }
  if (chosen.includes('graph-task')) await engineCase('graph-task', true)
  if (chosen.includes('graph-task-no-store')) await engineCase('graph-task-no-store', false)
  if (chosen.includes('graph-task-mysql')) {
    db = await createDatabase('embedded')
    await engineCase('graph-task-mysql', true, await mysqlStorage(db.uri))
  }

  const samples = await interleave(runners as Record<string, () => Promise<Sample>>, ROUNDS)
  const med = (name: Case, key: keyof Sample): number => median(samples[name].map(s => s[key]))
  const has = (name: Case): boolean => samples[name] !== undefined
  const shape = `image pipeline, ${IN_FLIGHT} in flight, ${THREADS} threads`
  const baseline = (key: keyof Sample) => has('raw-copy') ? { baseline: { name: LABELS['raw-copy'], value: med('raw-copy', key), kind: 'fair' as const } } : {}
  const ceiling = (key: keyof Sample) => has('raw-transfer') ? { ceiling: { name: LABELS['raw-transfer'], value: med('raw-transfer', key) } } : {}
  for (const name of ['graph-task', 'graph-task-no-store', 'graph-task-mysql'] as const) {
    if (!has(name)) continue
    report.add({ name: `executions/s: ${LABELS[name]}, ${shape}`, value: med(name, 'perSecond'), unit: 'exec/s', ...baseline('perSecond'), ...ceiling('perSecond'), ...(has('raw-copy') ? { target: { op: '>=' as const, value: 1 } } : {}) })
    report.add({ name: `host event-loop delay p99: ${LABELS[name]}, ${shape}`, value: med(name, 'p99'), unit: 'ms', ...baseline('p99'), ...ceiling('p99'), target: { op: '<=', value: 2, of: 'value' } })
    if (Number.isFinite(med(name, 'cpuMsPerExecution'))) {
      report.add({ name: `main thread on-CPU per execution (Linux schedstat): ${LABELS[name]}, ${shape}`, value: med(name, 'cpuMsPerExecution'), unit: 'ms', ...baseline('cpuMsPerExecution'), ...ceiling('cpuMsPerExecution'), ...(has('raw-copy') ? { target: { op: '<=' as const, value: 1 } } : {}) })
    }
  }
  // History in MySQL against history in memory and against the hand-written DAG: what the
  // writes cost the host's event loop once they run on the storage's writer thread.
  if (has('graph-task-mysql') && has('graph-task')) {
    report.add({ name: `main thread busy per execution (event-loop utilisation): ${LABELS['graph-task-mysql']} vs MemoryStorage, ${shape}`, value: med('graph-task-mysql', 'busyMsPerExecution'), unit: 'ms', baseline: { name: LABELS['graph-task'], value: med('graph-task', 'busyMsPerExecution'), kind: 'reference' }, target: { op: '<=', value: 1.3 } })
  }
  if (has('graph-task-mysql') && has('raw-copy')) {
    report.add({ name: `host event-loop delay p99: ${LABELS['graph-task-mysql']} vs raw Piscina DAG, ${shape}`, value: med('graph-task-mysql', 'p99'), unit: 'ms', baseline: { name: LABELS['raw-copy'], value: med('raw-copy', 'p99'), kind: 'fair' }, target: { op: '<=', value: 1 } })
  }
  for (const name of chosen) {
    if (!has(name)) continue
    report.note(`${LABELS[name]}: ${med(name, 'perSecond').toFixed(2)} executions/s, event-loop delay p50 ${med(name, 'p50').toFixed(2)} ms, p99 ${med(name, 'p99').toFixed(2)} ms, max ${med(name, 'max').toFixed(1)} ms, main thread ${med(name, 'cpuMsPerExecution').toFixed(2)} ms on CPU and ${med(name, 'busyMsPerExecution').toFixed(2)} ms busy (ELU) per execution`)
    report.detail(`${name}: ${samples[name].map(s => `${s.perSecond.toFixed(2)}/s p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} max ${s.max.toFixed(1)} cpu ${s.cpuMsPerExecution.toFixed(2)} busy ${s.busyMsPerExecution.toFixed(2)} ms/exec`).join('; ')}`)
  }
  report.note(`medians of ${ROUNDS} interleaved rounds of ${SECONDS} s each; event-loop delay from perf_hooks.monitorEventLoopDelay (resolution 1 ms) over each round`)
  if (values['no-write'] || chosen.length < CASES.length) console.log('# not written: --no-write or --only')
  else report.write()
} finally {
  for (const engine of engines) await engine.close()
  await pool?.destroy()
  await db?.drop()
}
