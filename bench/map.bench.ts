/**
 * Mapping: what an instance of a mapped task costs against a task of a static DAG,
 * and whether skewed elements idle a thread.
 *
 * Overhead (each measurement in a fresh child process, this file with `--child`, so
 * that peak RSS, getrusage maxrss of all threads, belongs to it alone):
 *   mapped   `range` outputs [0 .. 99,999] and a no-op task mapped over it: 100,000
 *            instances planned at run time
 *   fan-out  a static workflow of 100,000 independent no-op tasks (the baseline: the
 *            same number of tasks, known when the workflow is built)
 * Both built and published before the clock starts (inside the peak); main-thread
 * on-CPU µs per instance / per task (/proc/thread-self/schedstat, bench/lib/elu.ts)
 * over execute + flush.
 *
 * Skew: two element-wise maps over 10,000 elements (`a` mapped over `range`, `b` over
 * `a`) of fixed-iteration work (bench/handlers/work.mjs, calibrated at the start to
 * --base-us), one element in 100 --factor times longer in both maps, on 2 threads.
 *   efficiency   the same work run inline on the main thread / (threads x wall)
 *   graph-task   the workflow, engine.flush() inside the clock
 *   raw Piscina  one `pool.run` per element for `a`, its `b` submitted as it settles
 *                (element-wise by hand, no barrier either)
 *
 *   npx tsx bench/map.bench.ts [--rounds 3] [--tasks 100000] [--elements 10000] [--base-us 250] [--factor 20]
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Piscina } from 'piscina'
import { createWorkflow, Engine, type Workflow } from '../dist/index.js'
import { burn } from './handlers/work.mjs'
import { iterationsOf } from './handlers/map.mjs'
import { sampled, type Sample } from './lib/elu.js'
import { independent, toWorkflow } from './lib/graphs.js'
import { ENGINE_IDLE_TIMEOUT, NOOP, SMALL } from './lib/pool.js'
import { interleave, median, pause, Report, THREADS } from './lib/report.js'
import { calibrate, iterationsFor } from './lib/work.js'

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    tasks: { type: 'string', default: '100000' },
    elements: { type: 'string', default: '10000' },
    'base-us': { type: 'string', default: '250' },
    factor: { type: 'string', default: '20' }
  }
})
const rounds = Number(values.rounds)
const TASKS = Number(values.tasks)
const ELEMENTS = Number(values.elements)
const SKEW_THREADS = 2
const MAP = new URL('./handlers/map.mjs', import.meta.url)
const handler = (name: string): URL => new URL(`#${name}`, MAP)

interface ChildResult { cpuMs: number, activeMs: number, ms: number, peakRssMb: number, perMessage: number }

/** `range` of `n` and `each` (a no-op, or one returning a small value) mapped over it. */
function mapped (n: number, id: string, each: URL): Workflow {
  return createWorkflow(id)
    .addTask('range', { handler: handler('range'), input: { n } })
    .addTask('each', { handler: each, map: 'range' })
    .build()
}

// Modes: mapped and fan-out with no-op tasks; with -value, each returning { n: 1, s: 'abc' }.
async function child (mode: string): Promise<ChildResult> {
  const each = mode.endsWith('-value') ? SMALL : NOOP
  const shape = (n: number, id: string): Workflow => mode.startsWith('mapped') ? mapped(n, id, each) : toWorkflow(independent(n), each, undefined, id)
  const engine = new Engine({ threads: THREADS })
  try {
    const warm = shape(1000, 'warm')
    const big = shape(TASKS, 'big')
    await engine.publishWorkflow(warm)
    await engine.publishWorkflow(big)
    await engine.execute(warm.id)
    await engine.flush()
    await pause(50)
    const before = engine.stats().scheduler
    const sample = await sampled(async () => {
      const result = await engine.execute(big.id)
      if (result.status !== 'success') throw new Error(`${mode} ended ${result.status}: ${result.error?.message}`)
      await engine.flush()
    })
    const after = engine.stats().scheduler
    const perMessage = (after.tasksDispatched - before.tasksDispatched) / (after.batchesDispatched - before.batchesDispatched)
    return { ...sample, peakRssMb: process.resourceUsage().maxRSS / 1024, perMessage }
  } finally {
    await engine.close()
  }
}

function runChild (mode: string): ChildResult {
  const out = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, '--tasks', String(TASKS)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 })
  if (out.status !== 0) throw new Error(`child ${mode} exited with ${out.status}`)
  const lines = out.stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1]) as ChildResult
}

async function overhead (report: Report): Promise<void> {
  const samples = await interleave({
    mapped: async () => runChild('mapped'),
    'fan-out': async () => runChild('fan-out'),
    'mapped-value': async () => runChild('mapped-value')
  }, rounds)
  const med = (name: string, f: (r: ChildResult) => number): number => median(samples[name].map(f))
  const cpuUs = (r: ChildResult): number => r.cpuMs * 1000 / TASKS
  const fanOut = `static ${TASKS.toLocaleString('en-US')}-task fan-out`
  report.add({
    name: `${TASKS.toLocaleString('en-US')} no-op instances of one mapped task: main-thread CPU per instance`, value: med('mapped', cpuUs), unit: 'us/task',
    baseline: { name: `${fanOut}, per task`, value: med('fan-out', cpuUs), kind: 'fair' }, target: { op: '<=', value: 1.2 }
  })
  report.add({
    name: `${TASKS.toLocaleString('en-US')} no-op instances of one mapped task: peak RSS`, value: med('mapped', r => r.peakRssMb), unit: 'MB',
    baseline: { name: fanOut, value: med('fan-out', r => r.peakRssMb), kind: 'fair' }, target: { op: '<=', value: 1.2 }
  })
  report.add({
    name: `${TASKS.toLocaleString('en-US')} instances of one mapped task, each returning { n: 1, s: 'abc' }: main-thread CPU per instance`, value: med('mapped-value', cpuUs), unit: 'us/task',
    baseline: { name: 'the same map of no-op instances', value: med('mapped', cpuUs), kind: 'reference' }, target: { op: '<=', value: 1.2 }
  })
  report.add({
    name: `${TASKS.toLocaleString('en-US')} instances of one mapped task, each returning { n: 1, s: 'abc' }: throughput`, value: TASKS / med('mapped-value', r => r.ms) * 1000, unit: 'tasks/s',
    baseline: { name: 'the same map of no-op instances', value: TASKS / med('mapped', r => r.ms) * 1000, kind: 'reference' }, target: { op: '>=', value: 0.8 }
  })
  const show = (name: string): string => `${med(name, r => r.ms).toFixed(0)} ms wall, ${med(name, r => r.activeMs * 1000 / TASKS).toFixed(1)} µs/task event-loop active, ${med(name, r => r.perMessage).toFixed(1)} tasks per worker message`
  report.note(`overhead: each measurement in a fresh child process, ${THREADS} threads, workflow built and published before the clock (inside the peak); mapped ${show('mapped')}, mapped returning a value ${show('mapped-value')}, fan-out ${show('fan-out')}; medians of ${rounds}`)
  for (const [name, v] of Object.entries(samples)) report.detail(`${name}: ${v.map(r => `${r.cpuMs.toFixed(0)} ms CPU / ${r.peakRssMb.toFixed(0)} MB`).join(', ')}`)
}

async function skew (report: Report): Promise<void> {
  const perUs = calibrate()
  const p = { iterations: iterationsFor(Number(values['base-us']), perUs), slowEvery: 100, slowAt: 37, factor: Number(values.factor) }
  const wf = createWorkflow('skewed-maps')
    .addTask('range', { handler: handler('range'), input: { n: ELEMENTS } })
    .addTask('a', { handler: handler('skewed'), map: 'range', input: p })
    .addTask('b', { handler: handler('skewed'), map: 'a', input: p })
    .build()
  const engine = new Engine({ threads: SKEW_THREADS })
  const pool = new Piscina({ filename: MAP.href, minThreads: SKEW_THREADS, maxThreads: SKEW_THREADS, idleTimeout: ENGINE_IDLE_TIMEOUT, concurrentTasksPerWorker: 1 })
  try {
    await engine.publishWorkflow(wf)
    const raw = (): Promise<void> => {
      const runs: Array<Promise<unknown>> = new Array(ELEMENTS)
      for (let i = 0; i < ELEMENTS; i++) {
        const task = { index: i, p }
        runs[i] = pool.run(task, { name: 'rawSkewed' }).then(() => pool.run(task, { name: 'rawSkewed' }))
      }
      return Promise.all(runs).then(() => {})
    }
    const cases: Record<string, () => Promise<Sample>> = {
      inline: async () => {
        const t0 = performance.now()
        let sink = 0
        for (let m = 0; m < 2; m++) for (let i = 0; i < ELEMENTS; i++) sink ^= burn(iterationsOf(p, i))
        const ms = performance.now() - t0
        if (sink === 0.5) console.log(sink)
        return { ms, activeMs: ms, cpuMs: NaN, waitMs: NaN }
      },
      'graph-task': () => sampled(async () => {
        const result = await engine.execute(wf.id)
        if (result.status !== 'success') throw new Error(`${wf.id} ended ${result.status}: ${result.error?.message}`)
        await engine.flush()
      }),
      'raw Piscina': () => sampled(raw)
    }
    await engine.execute(wf.id)
    await raw()
    const before = engine.stats().scheduler
    const samples = await interleave(cases, rounds)
    const after = engine.stats().scheduler
    const work = median(samples.inline.map(s => s.ms))
    const eff = (name: string): number => work / (SKEW_THREADS * median(samples[name].map(s => s.ms)))
    const label = `2 element-wise maps over ${ELEMENTS.toLocaleString('en-US')} elements, 1% ${p.factor}x longer`
    report.add({
      name: `${label}: graph-task CPU efficiency on ${SKEW_THREADS} threads`, value: eff('graph-task'), unit: 'of ideal',
      baseline: { name: 'raw Piscina, a pool.run per element and step, the second as the first settles', value: eff('raw Piscina'), kind: 'fair' },
      target: { op: '>=', value: 0.9, of: 'value' }
    })
    report.note(`skew: ${p.iterations} iterations (~${values['base-us']} µs calibrated at the start: ${perUs.toFixed(1)} per µs) per element, element i % 100 = 37 ${p.factor}x in both maps; ` +
      `efficiency = the same work run inline on the main thread (${work.toFixed(0)} ms, median) / (${SKEW_THREADS} threads x wall); graph-task's clock stops after engine.flush(); medians of ${rounds} interleaved rounds; graph-task sent ${((after.tasksDispatched - before.tasksDispatched) / (after.batchesDispatched - before.batchesDispatched)).toFixed(1)} tasks per worker message`)
    for (const [name, v] of Object.entries(samples)) report.detail(`skew ${name}: ${v.map(s => s.ms.toFixed(0)).join(', ')} ms`)
  } finally {
    await engine.close()
    await pool.destroy()
  }
}

if (values.child !== undefined) {
  process.stdout.write(JSON.stringify(await child(values.child)) + '\n')
} else {
  const report = new Report('map', 'a mapped task: main-thread cost and peak RSS per instance against a static fan-out; skewed elements on 2 threads')
  await overhead(report)
  await skew(report)
  report.write()
}
