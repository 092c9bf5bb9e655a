/**
 * Scenario 6, memory. Each measurement runs in a fresh child process (this file
 * with `--child <mode>`), so that peak RSS (getrusage maxrss, all threads) belongs
 * to that measurement alone.
 *
 *   piscina-100k      raw Piscina, 100k no-op `pool.run` calls submitted at once
 *                     (naive: graph-task never has more than 2 messages per thread
 *                     in flight, the rest waits in its scheduler)
 *   piscina-window    raw Piscina, 100k no-op `pool.run` calls, at most as many in
 *                     flight as graph-task can have (2 messages per thread x 512
 *                     tasks, bench/lib/pool.ts engineInFlightCap), the next one
 *                     submitted as one settles: the same cap on work in flight (fair)
 *   engine-100x1k     graph-task, 100 executions of a 1000-task no-op workflow at once
 *   engine-1x100k     graph-task, one execution of a 100k-task no-op workflow
 *                     (building and planning the workflow included in the peak)
 *   engine-in-a-row   graph-task, N executions of a one-task workflow one after
 *                     another; RSS and heap after a GC at each 10% mark. Retention
 *                     (engine retainExecutions 1000, MemoryStorage maxExecutions
 *                     10000) bounds what is kept, so it must level off once 10000
 *                     executions are stored: "start" is read one window later (20000),
 *                     "end" at N; the growth from 0 is reported beside it.
 *
 * A run of executions in a row that would take longer than --max-seconds stops at the
 * last 10% mark reached, and the row says how many executions it covered.
 *   npx tsx bench/memory.bench.ts [--executions 100000] [--max-seconds 180]
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Engine } from '../dist/index.js'
import { independent, toWorkflow } from './lib/graphs.js'
import { ENGINE_MAX_BATCH, engineInFlightCap, NOOP, rawPool, warmPool, windowed } from './lib/pool.js'
import { pause, Report, THREADS } from './lib/report.js'

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    executions: { type: 'string', default: '100000' },
    'max-seconds': { type: 'string', default: '180' }
  }
})
const TASKS = 100_000
const MB = 1024 * 1024

interface ChildResult { peakRssMb: number, idleRssMb: number, ms: number, peakInFlight?: number, samples?: Array<{ executions: number, rssMb: number, heapMb: number, arrayBuffersMb: number }> }

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
const rssMb = (): number => process.memoryUsage.rss() / MB
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024

async function settle (): Promise<void> {
  await pause(50)
  gc()
  await pause(10)
}

async function child (mode: string): Promise<ChildResult> {
  if (mode === 'piscina-100k') {
    const pool = rawPool()
    await warmPool(pool)
    await settle()
    const idleRssMb = rssMb()
    const t0 = performance.now()
    await Promise.all(Array.from({ length: TASKS }, () => pool.run(null, { name: 'noop' })))
    const ms = performance.now() - t0
    const peak = peakRssMb()
    await pool.destroy()
    return { peakRssMb: peak, idleRssMb, ms }
  }
  if (mode === 'piscina-window') {
    const pool = rawPool()
    await warmPool(pool)
    await settle()
    const idleRssMb = rssMb()
    const t0 = performance.now()
    await windowed(pool, TASKS, engineInFlightCap(), 'noop')
    const ms = performance.now() - t0
    const peak = peakRssMb()
    await pool.destroy()
    return { peakRssMb: peak, idleRssMb, ms }
  }
  const engine = new Engine({ threads: THREADS })
  try {
    if (mode === 'engine-100x1k' || mode === 'engine-1x100k') {
      const size = mode === 'engine-100x1k' ? 1000 : TASKS
      const warm = toWorkflow(independent(4), NOOP, undefined, 'warm')
      await engine.publishWorkflow(warm)
      await engine.execute(warm.id)
      await settle()
      const idleRssMb = rssMb()
      const t0 = performance.now()
      const wf = toWorkflow(independent(size), NOOP)
      await engine.publishWorkflow(wf)
      const results = await Promise.all(Array.from({ length: TASKS / size }, () => engine.execute(wf.id)))
      await engine.flush()
      const ms = performance.now() - t0
      if (results.some(r => r.status !== 'success')) throw new Error('an execution failed')
      return { peakRssMb: peakRssMb(), idleRssMb, ms, peakInFlight: engine.stats().scheduler.peakTasksInFlight }
    }
    if (mode === 'engine-in-a-row') {
      const n = Number(values.executions)
      const wf = toWorkflow(independent(1), NOOP, undefined, 'tiny')
      await engine.publishWorkflow(wf)
      await engine.execute(wf.id)
      await settle()
      const idleRssMb = rssMb()
      const sample = (executions: number) => {
        const m = process.memoryUsage()
        return { executions, rssMb: m.rss / MB, heapMb: m.heapUsed / MB, arrayBuffersMb: m.arrayBuffers / MB }
      }
      const samples: ChildResult['samples'] = [sample(0)]
      const step = Math.max(1, Math.floor(n / 10))
      const deadline = performance.now() + Number(values['max-seconds']) * 1000
      let elapsed = 0
      for (let i = 1; i <= n; i++) {
        const t0 = performance.now()
        const result = await engine.execute(wf.id)
        elapsed += performance.now() - t0
        if (result.status !== 'success') throw new Error('an execution failed')
        if (i % step === 0) {
          await engine.flush()
          await settle()
          samples.push(sample(i))
          if (performance.now() > deadline) break
        }
      }
      return { peakRssMb: peakRssMb(), idleRssMb, ms: elapsed, samples }
    }
    throw new Error(`unknown mode ${mode}`)
  } finally {
    await engine.close()
  }
}

function runChild (mode: string): ChildResult {
  const file = fileURLToPath(import.meta.url)
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', file, '--child', mode, '--executions', values.executions!, '--max-seconds', values['max-seconds']!],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * MB })
  if (out.status !== 0) throw new Error(`child ${mode} exited with ${out.status}`)
  const lines = out.stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1]) as ChildResult
}

if (values.child !== undefined) {
  const result = await child(values.child)
  process.stdout.write(JSON.stringify(result) + '\n')
} else {
  const report = new Report('memory', 'peak RSS with 100k tasks submitted at once; RSS across executions in a row')
  const piscina = runChild('piscina-100k')
  const window = runChild('piscina-window')
  const many = runChild('engine-100x1k')
  const one = runChild('engine-1x100k')
  const cap = engineInFlightCap()
  const atOnce = { name: 'raw Piscina, 100k pool.run at once', value: piscina.peakRssMb, kind: 'naive' as const }
  const capped = { name: `raw Piscina, at most ${cap} pool.run in flight (the same cap)`, value: window.peakRssMb }
  report.add({ name: '100k tasks as 100 executions x 1000: peak RSS', value: many.peakRssMb, unit: 'MB', baseline: atOnce, ceiling: capped, target: { op: '<=', value: 1 } })
  report.add({ name: '100k tasks as one 100k-task execution: peak RSS', value: one.peakRssMb, unit: 'MB', baseline: atOnce, ceiling: capped, target: { op: '<=', value: 1 } })
  report.add({ name: `raw Piscina, at most ${cap} in flight: peak RSS`, value: window.peakRssMb, unit: 'MB', baseline: atOnce })
  report.note(`idle RSS before submitting: raw Piscina ${piscina.idleRssMb.toFixed(0)} MB, engine ${many.idleRssMb.toFixed(0)} MB; ` +
    `time: raw Piscina at once ${piscina.ms.toFixed(0)} ms, windowed ${window.ms.toFixed(0)} ms, 100 x 1k ${many.ms.toFixed(0)} ms, 1 x 100k ${one.ms.toFixed(0)} ms (build + plan + run + flush)`)
  report.note(`the cap: graph-task keeps at most 2 messages per thread in flight of at most ${ENGINE_MAX_BATCH} tasks (${cap} tasks on ${THREADS} threads); measured peak in flight: 100 x 1k ${many.peakInFlight ?? '?'}, 1 x 100k ${one.peakInFlight ?? '?'} tasks. ` +
    'The targets (ratio ≤ 1) are against the naive baseline; "of ceiling" is against raw Piscina held to the same cap, which keeps no DAG, no results and no history')

  const row = runChild('engine-in-a-row')
  const samples = row.samples!
  const n = samples[samples.length - 1].executions
  // Memory grows by design until MemoryStorage holds its window (10000 executions) and
  // evicts. Observed: the main heap and ArrayBuffers are flat from 10000 on, while RSS
  // settles about one window later, so that growth is outside the main heap (worker heaps,
  // which the forced GC does not reach, and the allocator). Flat means flat from 20000
  // on; the growth from the first execution is reported beside it.
  const start = samples.find(s => s.executions >= 20_000) ?? samples[Math.min(2, samples.length - 1)]
  const end = samples[samples.length - 1]
  report.add({ name: `${n} executions in a row: RSS at end`, value: end.rssMb, unit: 'MB', baseline: { name: `RSS after ${start.executions}`, value: start.rssMb }, target: { op: '<=', value: 1.1 } })
  report.add({ name: `${n} executions in a row: RSS at end vs before the first`, value: end.rssMb, unit: 'MB', baseline: { name: 'RSS before the first', value: samples[0].rssMb } })
  report.add({ name: `${n} executions in a row: heap at end`, value: end.heapMb, unit: 'MB', baseline: { name: `heap after ${start.executions}`, value: start.heapMb }, target: { op: '<=', value: 1.1 } })
  report.add({ name: `${n} executions in a row: rate`, value: n / row.ms * 1000, unit: 'executions/s' })
  if (n < Number(values.executions)) report.note(`stopped after ${n} of ${values.executions} executions: --max-seconds ${values['max-seconds']} reached`)
  report.note(`RSS / heap / ArrayBuffers (MB) by executions: ${samples.map(s => `${s.executions}: ${s.rssMb.toFixed(0)} / ${s.heapMb.toFixed(0)} / ${s.arrayBuffersMb.toFixed(1)}`).join(', ')}`)
  report.note('"flat" = within 10% from 20000 executions (MemoryStorage holds its 10000 and has evicted a full window) to the end; readings after a forced GC of the main thread')
  report.write()
}
