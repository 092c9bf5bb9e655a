/**
 * Scenario 2, CPU efficiency: how much of the machine CPU-bound tasks get.
 *
 * Tasks of fixed work (bench/handlers/work.mjs: N iterations of a loop, N calibrated
 * on the main thread at the start of the run to take 100 µs, 1 ms and 10 ms), enough
 * of them for ~WORK_MS of single-thread CPU:
 *   ideal       the same tasks run inline on the main thread, one after another
 *               (measured in every round), / threads
 *   achieved    wall-clock time on all threads
 *   efficiency  ideal / achieved
 * Fixed work, not a spin until a wall-clock deadline: a worker that loses its core
 * to the main thread (or to anything else) finishes later, so main-thread work that
 * competes for a core shows here.
 *
 *   graph-task            one workflow of n independent tasks, engine.flush() inside the clock
 *   raw Piscina           n `pool.run` at once, one task per message (naive)
 *   hand-batched Piscina  the caller packs ~5 ms of work per message (graph-task's
 *                         batchTargetMs default, at most maxBatchSize tasks), knowing every
 *                         task's length exactly: the ceiling of batching
 *
 *   npx tsx bench/cpu-efficiency.bench.ts [--rounds 5] [--work 1000]
 */
import { parseArgs } from 'node:util'
import { Engine } from '../dist/index.js'
import { sampled, usPer, utilisation, type Sample } from './lib/elu.js'
import { independent, toWorkflow } from './lib/graphs.js'
import { ENGINE_MAX_BATCH, handBatched, oneByOne, rawPool, warmPool, WORK } from './lib/pool.js'
import { interleave, median, Report, THREADS } from './lib/report.js'
import { calibrate, inlineMs, iterationsFor } from './lib/work.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, work: { type: 'string', default: '1000' } } })
const rounds = Number(values.rounds)
const WORK_MS = Number(values.work)
const SIZES_US = [100, 1000, 10_000]
const TARGETS: Record<number, number> = { 100: 0.95, 1000: 0.95 }
const MESSAGE_US = 5000

const report = new Report('cpu-efficiency', 'fixed-work tasks on all threads: achieved vs ideal (inline time / threads)')
const engine = new Engine({ threads: THREADS })
const pool = rawPool()
try {
  await warmPool(pool)
  const perUs = calibrate()
  report.note(`calibrated on the main thread at the start of the run: ${perUs.toFixed(1)} iterations per µs`)
  for (const us of SIZES_US) {
    const n = Math.round(WORK_MS * 1000 / us)
    const task = { iterations: iterationsFor(us, perUs) }
    const perMessage = Math.max(1, Math.min(ENGINE_MAX_BATCH, Math.round(MESSAGE_US / us)))
    const wf = toWorkflow(independent(n), WORK, task, `work-${us}us-x${n}`)
    await engine.publishWorkflow(wf)
    const cases: Record<string, () => Promise<Sample>> = {
      inline: async () => { const ms = inlineMs(n, task.iterations); return { ms, activeMs: ms, cpuMs: NaN, waitMs: NaN } },
      'graph-task': () => sampled(async () => {
        const result = await engine.execute(wf.id)
        if (result.status !== 'success') throw new Error(`${wf.id} ended ${result.status}`)
        await engine.flush()
      }),
      'raw Piscina': () => sampled(() => oneByOne(pool, n, 'work', task)),
      'hand-batched': () => sampled(() => handBatched(pool, n, perMessage, 'work', task))
    }
    // Warm-up: a tenth of the work each, so estimates and JIT are settled before timing.
    await oneByOne(pool, Math.ceil(n / 10), 'work', task)
    await handBatched(pool, Math.ceil(n / 10), perMessage, 'work', task)
    await engine.execute(wf.id)
    const samples = await interleave(cases, rounds)
    const ideal = median(samples.inline.map(s => s.ms)) / THREADS
    const eff = (name: string): number => ideal / median(samples[name].map(s => s.ms))
    const label = us >= 1000 ? `${us / 1000} ms` : `${us} us`
    const target = TARGETS[us]
    const names = { raw: 'raw Piscina, one task per message', batched: `hand-batched Piscina, ${perMessage} per message` }
    report.add({
      name: `${label} x ${n}: graph-task efficiency`, value: eff('graph-task'), unit: 'of ideal',
      baseline: { name: names.raw, value: eff('raw Piscina'), kind: 'naive' },
      ceiling: { name: names.batched, value: eff('hand-batched') },
      ...(target === undefined ? {} : { target: { op: '>=', value: target, of: 'value' } })
    })
    report.add({ name: `${label} x ${n}: ${names.raw} efficiency`, value: eff('raw Piscina'), unit: 'of ideal' })
    report.add({ name: `${label} x ${n}: ${names.batched} efficiency`, value: eff('hand-batched'), unit: 'of ideal' })
    const main = (name: string): string => {
      const s = samples[name]
      return `${median(s.map(x => usPer(x, n))).toFixed(1)} µs/task (${(median(s.map(utilisation)) * 100).toFixed(0)}% busy)`
    }
    report.note(`${label}: ideal ${ideal.toFixed(0)} ms; main thread graph-task ${main('graph-task')}, raw Piscina ${main('raw Piscina')}, hand-batched ${main('hand-batched')}`)
    for (const [name, v] of Object.entries(samples)) report.detail(`${label} ${name}: ${v.map(x => x.ms.toFixed(0)).join(', ')} ms`)
    engine.deleteWorkflow(wf.id)
  }
  report.note(`medians of ${rounds} interleaved rounds; ${THREADS} threads; ~${WORK_MS} ms of single-thread work per measurement; graph-task's clock stops after engine.flush(); hand-batched Piscina packs ~${MESSAGE_US / 1000} ms of work per message (at most ${ENGINE_MAX_BATCH} tasks)`)
  report.write()
} finally {
  await engine.close()
  await pool.destroy()
}
