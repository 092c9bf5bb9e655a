/**
 * Scenario 2, CPU efficiency: how much of the machine CPU-bound tasks get.
 *
 * For spin tasks of 100 us, 1 ms and 10 ms, enough of them for ~WORK_MS of CPU:
 *   ideal    = the same spins run inline on the main thread, one after another, / threads
 *   achieved = wall-clock time on all threads
 *   efficiency = ideal / achieved
 * graph-task runs one workflow of independent spin tasks (workflows/shared/handlers.mjs#spin);
 * raw Piscina runs the same number of `pool.run` calls submitted at once.
 *
 *   npx tsx bench/cpu-efficiency.bench.ts [--rounds 5] [--work 1600]
 */
import { parseArgs } from 'node:util'
import { Engine } from '../dist/index.js'
import { independent, toWorkflow } from './lib/graphs.js'
import { rawPool, SPIN, warmPool } from './lib/pool.js'
import { interleave, median, Report, THREADS, timed } from './lib/report.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, work: { type: 'string', default: '1600' } } })
const rounds = Number(values.rounds)
const WORK_MS = Number(values.work)
const SIZES_US = [100, 1000, 10_000]
const TARGETS: Record<number, number> = { 100: 0.70, 1000: 0.95 }

// The same loop as the handlers, inline: the single-thread time of the work.
function spin (us: number): number {
  const end = performance.now() + us / 1000
  let iterations = 0
  while (performance.now() < end) iterations++
  return iterations
}

const report = new Report('cpu-efficiency', 'spin tasks on all threads: achieved vs ideal (inline time / threads)')
const engine = new Engine({ threads: THREADS })
const pool = rawPool()
try {
  await warmPool(pool)
  for (const us of SIZES_US) {
    const n = Math.round(WORK_MS * 1000 / us)
    const wf = toWorkflow(independent(n), SPIN, { us }, `spin-${us}us-x${n}`)
    await engine.publishWorkflow(wf)
    const inline = (): number => {
      const t0 = performance.now()
      for (let i = 0; i < n; i++) spin(us)
      return performance.now() - t0
    }
    const cases: Record<string, () => Promise<number>> = {
      inline: async () => inline(),
      'graph-task': () => timed(async () => {
        const result = await engine.execute(wf.id)
        if (result.status !== 'success') throw new Error(`${wf.id} ended ${result.status}`)
      }),
      'raw Piscina': () => timed(() => Promise.all(Array.from({ length: n }, () => pool.run({ us }, { name: 'spin' }))))
    }
    // Warm-up: a tenth of the work, so estimates and JIT are settled before timing.
    await Promise.all(Array.from({ length: Math.ceil(n / 10) }, () => pool.run({ us }, { name: 'spin' })))
    await engine.execute(wf.id)
    const samples = await interleave(cases, rounds)
    const ideal = median(samples.inline) / THREADS
    const eff = (name: string): number => ideal / median(samples[name])
    const label = us >= 1000 ? `${us / 1000} ms` : `${us} us`
    const target = TARGETS[us]
    report.add({
      name: `${label} x ${n}: graph-task efficiency`, value: eff('graph-task'), unit: 'of ideal',
      ...(target === undefined ? {} : { target: { op: '>=', value: target, of: 'value' } })
    })
    report.add({ name: `${label} x ${n}: raw Piscina efficiency`, value: eff('raw Piscina'), unit: 'of ideal' })
    report.add({ name: `${label}: graph-task vs raw Piscina`, value: eff('graph-task'), unit: 'of ideal', baseline: { name: 'raw Piscina', value: eff('raw Piscina') } })
    report.note(`${label}: inline ${median(samples.inline).toFixed(0)} ms, ideal ${ideal.toFixed(0)} ms, graph-task ${samples['graph-task'].map(x => x.toFixed(0)).join('/')} ms, raw Piscina ${samples['raw Piscina'].map(x => x.toFixed(0)).join('/')} ms`)
    engine.deleteWorkflow(wf.id)
  }
  report.note(`medians of ${rounds} interleaved rounds; ${THREADS} threads; ~${WORK_MS} ms of single-thread work per measurement`)
  report.write()
} finally {
  await engine.close()
  await pool.destroy()
}
