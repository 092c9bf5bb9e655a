/**
 * Scaling study: how graph-task, raw Piscina and hand-batched Piscina scale with
 * worker threads, at threads = 1, 2, 4, ... up to the machine's cores.
 *
 * Per thread count t, one engine (threads: t) and one raw pool (t threads), and,
 * interleaved over --rounds rounds after an untimed one:
 *   no-op DAG    layered 64 wide x 160 deep (10240 tasks, 2 deps each) through
 *                graph-task (engine.flush() inside the clock); the same number of
 *                no-ops through raw Piscina one per message and hand-batched 64 per
 *                message (no DAG): tasks/s and the main thread's event-loop
 *                utilisation (share of wall time busy, and µs per task)
 *   efficiency   fixed-work tasks of 100 µs and 1 ms (bench/handlers/work.mjs,
 *                calibrated on the main thread at the start), t x --work-per-thread
 *                ms of single-thread work, so every measurement lasts about as long
 *                at any t; ideal = inline time per task (measured each round) x tasks
 *                / t; efficiency = ideal / wall; main-thread utilisation beside it
 * Writes bench/results/scaling.json and prints a markdown table.
 *
 *   npm run bench:scaling                       (builds dist/ first)
 *   node --import tsx scripts/bench-scaling.ts [--max-threads N | --threads 1,2,8]
 *        [--rounds 3] [--work-per-thread 300] [--out bench/results/scaling.json]
 *
 * On a 64-core machine without network: needs Node 20+, the built dist/, node_modules
 * (dependencies and devDependencies, same OS and CPU architecture as where they were
 * installed), bench/ and workflows/shared/. On a machine with network:
 *   npm ci && npm run build
 *   tar czf graph-task-scaling.tgz --exclude=.git --exclude=bench/results .
 * then on the 64-core machine:
 *   mkdir graph-task && tar xzf graph-task-scaling.tgz -C graph-task && cd graph-task
 *   node --import tsx scripts/bench-scaling.ts      (threads 1, 2, 4, ..., 64: ~5 min)
 *   cat bench/results/scaling.json
 * Nothing else is needed there: no database, no Redis, no build, no download.
 * Keep the machine otherwise idle; `--threads 32,64` reruns part of the study.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Engine } from '../dist/index.js'
import { cpuUsPer, sampled, usPer, utilisation, type Sample } from '../bench/lib/elu.js'
import { independent, layered, toWorkflow } from '../bench/lib/graphs.js'
import { ENGINE_MAX_BATCH, handBatched, NOOP, oneByOne, rawPool, warmPool, WORK } from '../bench/lib/pool.js'
import { interleave, machine, median, sig } from '../bench/lib/report.js'
import { calibrate, inlineMs, iterationsFor } from '../bench/lib/work.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({
  options: {
    'max-threads': { type: 'string', default: String(machine().cores) },
    threads: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'work-per-thread': { type: 'string', default: '300' },
    out: { type: 'string', default: resolve(root, 'bench/results/scaling.json') }
  }
})
const ROUNDS = Number(values.rounds)
const WORK_PER_THREAD_MS = Number(values['work-per-thread'])
const WIDTH = 64
const DEPTH = 160
const DAG_TASKS = WIDTH * DEPTH
const SIZES_US = [100, 1000]
/** Hand-batched messages carry ~5 ms of work (graph-task's batchTargetMs default), at most 64 tasks. */
const MESSAGE_US = 5000
/** Single-thread time measured inline each round, per task size. */
const INLINE_MS = 200
const SYSTEMS = ['graph-task', 'raw Piscina', 'hand-batched Piscina'] as const
type System = typeof SYSTEMS[number]

/** 1, 2, 4, ... below `max`, then `max`. */
function threadCounts (max: number): number[] {
  const counts: number[] = []
  for (let t = 1; t < max; t *= 2) counts.push(t)
  counts.push(max)
  return counts
}

interface Figures {
  /** tasks/s for the DAG, efficiency (0 to 1) for the work sizes. */
  value: number
  /** Main thread's event loop busy, share of the wall time. */
  mainUtilisation: number
  mainUsPerTask: number
  /** On-CPU µs per task of the main thread (Linux only). */
  mainCpuUsPerTask: number | null
}

interface ThreadResult {
  threads: number
  noopDag: Record<System, Figures>
  efficiency: Record<string, Record<System, Figures>>
  notes: string[]
}

function figures (samples: Sample[], tasks: number, value: number): Figures {
  const cpu = median(samples.map(s => cpuUsPer(s, tasks)))
  return {
    value: sig(value),
    mainUtilisation: sig(median(samples.map(utilisation)), 3),
    mainUsPerTask: sig(median(samples.map(s => usPer(s, tasks))), 3),
    mainCpuUsPerTask: Number.isFinite(cpu) ? sig(cpu, 3) : null
  }
}

async function measure (threads: number, perUs: number): Promise<ThreadResult> {
  const engine = new Engine({ threads })
  const pool = rawPool(threads)
  const notes: string[] = []
  try {
    await warmPool(pool, threads)
    const dag = toWorkflow(layered(DAG_TASKS, WIDTH), NOOP, undefined, `layered-${WIDTH}x${DEPTH}`)
    await engine.publishWorkflow(dag)
    const run = async (id: string): Promise<void> => {
      const result = await engine.execute(id)
      if (result.status !== 'success') throw new Error(`${id} ended ${result.status}: ${result.error?.message}`)
      await engine.flush()
    }
    const dagCases: Record<System, () => Promise<Sample>> = {
      'graph-task': () => sampled(() => run(dag.id)),
      'raw Piscina': () => sampled(() => oneByOne(pool, DAG_TASKS, 'noop')),
      'hand-batched Piscina': () => sampled(() => handBatched(pool, DAG_TASKS, ENGINE_MAX_BATCH, 'noop'))
    }
    await interleave(dagCases, 1)
    const dagSamples = await interleave(dagCases, ROUNDS)
    const noopDag = Object.fromEntries(SYSTEMS.map(s => [s, figures(dagSamples[s], DAG_TASKS, DAG_TASKS / median(dagSamples[s].map(x => x.ms)) * 1000)])) as Record<System, Figures>

    const efficiency: Record<string, Record<System, Figures>> = {}
    for (const us of SIZES_US) {
      const n = Math.round(threads * WORK_PER_THREAD_MS * 1000 / us)
      const task = { iterations: iterationsFor(us, perUs) }
      const perMessage = Math.max(1, Math.min(ENGINE_MAX_BATCH, Math.round(MESSAGE_US / us)))
      const wf = toWorkflow(independent(n), WORK, task, `work-${us}us-x${n}`)
      await engine.publishWorkflow(wf)
      const inlineCount = Math.max(1, Math.round(INLINE_MS * 1000 / us))
      const inlinePerTask: number[] = []
      const cases: Record<string, () => Promise<Sample>> = {
        inline: async () => {
          const ms = inlineMs(inlineCount, task.iterations)
          inlinePerTask.push(ms / inlineCount)
          return { ms, activeMs: ms, cpuMs: NaN, waitMs: NaN }
        },
        'graph-task': () => sampled(() => run(wf.id)),
        'raw Piscina': () => sampled(() => oneByOne(pool, n, 'work', task)),
        'hand-batched Piscina': () => sampled(() => handBatched(pool, n, perMessage, 'work', task))
      }
      await interleave(cases, 1)
      inlinePerTask.length = 0
      const samples = await interleave(cases, ROUNDS)
      const ideal = median(inlinePerTask) * n / threads
      const label = us >= 1000 ? `${us / 1000}ms` : `${us}us`
      efficiency[label] = Object.fromEntries(SYSTEMS.map(s => [s, figures(samples[s], n, ideal / median(samples[s].map(x => x.ms)))])) as Record<System, Figures>
      notes.push(`${label}: ${n} tasks, ideal ${ideal.toFixed(0)} ms, hand-batched ${perMessage} per message`)
      engine.deleteWorkflow(wf.id)
    }
    return { threads, noopDag, efficiency, notes }
  } finally {
    await engine.close()
    await pool.destroy()
  }
}

function table (results: ThreadResult[]): string {
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`
  const lines = [
    '| Threads | System | No-op DAG tasks/s | Main thread µs/task | Main busy | Efficiency 100 µs | Main busy | Efficiency 1 ms | Main busy |',
    '|---|---|---|---|---|---|---|---|---|'
  ]
  for (const r of results) {
    for (const s of SYSTEMS) {
      const d = r.noopDag[s]
      const e100 = r.efficiency['100us'][s]
      const e1 = r.efficiency['1ms'][s]
      lines.push(`| ${r.threads} | ${s} | ${Math.round(d.value).toLocaleString('en-US')} | ${d.mainUsPerTask} | ${pct(d.mainUtilisation)} | ${e100.value.toFixed(3)} | ${pct(e100.mainUtilisation)} | ${e1.value.toFixed(3)} | ${pct(e1.mainUtilisation)} |`)
    }
  }
  return lines.join('\n')
}

const counts = values.threads !== undefined ? values.threads.split(',').map(Number) : threadCounts(Number(values['max-threads']))
if (counts.some(t => !Number.isInteger(t) || t < 1)) throw new Error('--threads and --max-threads take positive integers')
const started = performance.now()
const perUs = calibrate()
console.log(`# scaling: threads ${counts.join(', ')} on ${machine().cpu}, ${machine().cores} cores; ${perUs.toFixed(1)} iterations per µs`)
const results: ThreadResult[] = []
for (const t of counts) {
  const t0 = performance.now()
  results.push(await measure(t, perUs))
  console.log(`# ${t} thread${t === 1 ? '' : 's'} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}
const markdown = table(results)
const out = {
  scenario: 'scaling',
  title: 'graph-task, raw Piscina and hand-batched Piscina by worker threads',
  ...machine(Math.max(...counts)),
  command: 'npm run bench:scaling',
  durationMs: Math.round(performance.now() - started),
  iterationsPerUs: sig(perUs),
  setup: {
    noopDag: `layered ${WIDTH} wide x ${DEPTH} deep (${DAG_TASKS} tasks); graph-task runs the DAG, flush inside the clock; raw Piscina one task per message and hand-batched ${ENGINE_MAX_BATCH} per message run the same number of no-ops with no DAG`,
    efficiency: `fixed-work tasks, threads x ${WORK_PER_THREAD_MS} ms of single-thread work per measurement; ideal = inline time per task x tasks / threads; hand-batched ~${MESSAGE_US / 1000} ms of work per message`,
    main: 'main thread: event-loop utilisation (active / wall) and active µs per task; mainCpuUsPerTask: on-CPU µs per task from /proc/thread-self/schedstat (Linux)',
    rounds: `medians of ${ROUNDS} interleaved rounds after one untimed round`
  },
  results,
  markdown
}
mkdirSync(dirname(values.out!), { recursive: true })
writeFileSync(values.out!, JSON.stringify(out, null, 2) + '\n')
console.log(`\n${markdown}\n\n# wrote ${values.out} (${(out.durationMs / 1000).toFixed(1)} s)`)
