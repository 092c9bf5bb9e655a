/**
 * Cached task results: what a re-run saves, and what keys cost when nothing hits.
 *
 *   re-run        files -> digest (one cached instance per file, FILES files, ~WORK_MS ms
 *                 of fixed CPU work each): wall time of a run with nothing changed, and
 *                 with 1% of the files changed, over the cold run (cache cleared first)
 *   keys, cold    the same map over KEY_FILES files, each instance ~1 ms of work and a
 *                 64 KiB output: throughput with `cache: true` (cleared before each run,
 *                 so every key is made and every output stored) over without
 *   hit cost      main-thread active time per instance of a warm run (every instance a
 *                 hit, no-op handler) over a run of the same no-op instances uncached
 *
 * Cases interleaved, medians of --rounds. Memory storage (the default).
 *
 *   npx tsx bench/cache.bench.ts [--rounds 3] [--files 1000] [--threads N]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Engine, createWorkflow } from '../dist/index.js'
import { sampled, usPer, type Sample } from './lib/elu.js'
import { interleave, median, Report, THREADS } from './lib/report.js'
import { calibrate, iterationsFor } from './lib/work.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    files: { type: 'string', default: '1000' },
    threads: { type: 'string', default: String(THREADS) },
    'no-write': { type: 'boolean', default: false }
  }
})
const rounds = Number(values.rounds)
const FILES = Number(values.files)
const KEY_FILES = 512
const HIT_FILES = 4000
const WORK_MS = 2
const threads = Number(values.threads)
const h = (name: string): URL => new URL(`./handlers/cache.mjs#${name}`, import.meta.url)

const perUs = calibrate()
const report = new Report('cache', `cached task results: re-runs of a ${FILES}-file mapped pipeline, the cost of keys, a hit's main-thread cost`, threads)
const dir = await mkdtemp(join(tmpdir(), 'graph-task-cache-bench-'))
const engine = new Engine({ threads })

function pipeline (id: string, cache: boolean, params: object) {
  return createWorkflow(id)
    .addTask('files', { handler: h('files') })
    .addTask('digest', { handler: h('digest'), map: 'files', input: params, ...(cache ? { cache: true } : {}) })
    .build()
}

async function list (name: string, count: number, changed = 0): Promise<string> {
  const file = join(dir, `${name}.json`)
  await writeFile(file, JSON.stringify(Array.from({ length: count }, (_, i) => ({ name: `file-${i}.txt`, size: i < changed ? -i : i }))))
  return file
}

async function run (id: string, input: object): Promise<void> {
  const result = await engine.execute(id, input)
  if (result.status !== 'success') throw new Error(`${id} ended ${result.status}: ${result.error?.message}`)
}

try {
  const rerun = pipeline('rerun', true, { iterations: iterationsFor(WORK_MS * 1000, perUs) })
  const keyed = pipeline('keyed', true, { iterations: iterationsFor(1000, perUs), bytes: 64 * 1024 })
  const plain = pipeline('plain', false, { iterations: iterationsFor(1000, perUs), bytes: 64 * 1024 })
  const hits = createWorkflow('hits').addTask('files', { handler: h('files') }).addTask('digest', { handler: h('noop'), map: 'files', cache: true }).build()
  const noops = createWorkflow('noops').addTask('files', { handler: h('files') }).addTask('digest', { handler: h('noop'), map: 'files' }).build()
  for (const wf of [rerun, keyed, plain, hits, noops]) await engine.publishWorkflow(wf)
  const same = await list('same', FILES)
  const keyList = await list('keys', KEY_FILES)
  const hitList = await list('hits', HIT_FILES)
  const ms = async (fn: () => Promise<void>): Promise<number> => (await sampled(fn)).ms

  // Warm-up: every workflow once, and the hits' cache filled.
  await run('rerun', { list: same })
  await run('keyed', { list: keyList })
  await run('plain', { list: keyList })
  await run('hits', { list: hitList })
  await run('noops', { list: hitList })

  let changedRound = 0
  const samples = await interleave<number | Sample>({
    cold: async () => { await engine.clearCache({ workflowId: 'rerun' }); return ms(() => run('rerun', { list: same })) },
    warm: async () => { await run('rerun', { list: same }); return ms(() => run('rerun', { list: same })) },
    changed: async () => {
      await run('rerun', { list: same })
      // 1% of the files changed, different ones each round; the list file itself is rewritten.
      const file = join(dir, 'same.json')
      const items = Array.from({ length: FILES }, (_, i) => ({ name: `file-${i}.txt`, size: i % 100 === changedRound % 100 ? -(i + 1) * (changedRound + 1) : i }))
      changedRound++
      await writeFile(file, JSON.stringify(items))
      const t = await ms(() => run('rerun', { list: same }))
      await list('same', FILES)
      return t
    },
    keyed: async () => { await engine.clearCache({ workflowId: 'keyed' }); return ms(() => run('keyed', { list: keyList })) },
    plain: () => ms(() => run('plain', { list: keyList })),
    hit: () => sampled(() => run('hits', { list: hitList })),
    noop: () => sampled(() => run('noops', { list: hitList }))
  }, rounds)
  const wall = (name: string): number => median(samples[name].map(s => s as number))
  const cold = { name: `cold run (cache cleared), ${FILES} files`, value: wall('cold'), kind: 'fair' as const }
  report.add({ name: `re-run, nothing changed: ${FILES} cached instances of ~${WORK_MS} ms`, value: wall('warm'), unit: 'ms', baseline: cold, target: { op: '<=', value: 0.1 } })
  report.add({ name: `re-run, 1% of ${FILES} files changed`, value: wall('changed'), unit: 'ms', baseline: cold, target: { op: '<=', value: 0.15 } })
  const tput = (name: string): number => KEY_FILES / wall(name) * 1000
  report.add({
    name: `cold run with keys: ${KEY_FILES} instances of ~1 ms with 64 KiB outputs, every key made, every output stored`,
    value: tput('keyed'),
    unit: 'tasks/s',
    baseline: { name: 'the same instances without cache', value: tput('plain'), kind: 'fair' },
    target: { op: '>=', value: 0.97 }
  })
  const perTask = (name: string): number => median(samples[name].map(s => usPer(s as Sample, HIT_FILES + 1)))
  report.add({
    name: `main thread per cached hit: ${HIT_FILES} instances, all hits`,
    value: perTask('hit'),
    unit: 'us/task',
    baseline: { name: 'a no-op instance, not cached', value: perTask('noop'), kind: 'fair' },
    target: { op: '<=', value: 2 }
  })
  report.note(`re-runs: wall time of one execution, the cold one after engine.clearCache(); the 1% changed are ${FILES / 100} files whose entry in the list changed (each round different ones). ${threads} worker threads, memory storage; medians of ${rounds} interleaved rounds`)
  report.note('cost of keys: the cached runs clear the cache first, so each makes every key (its element hashed in the worker that split the list) and stores every 64 KiB output (nothing cached takes them, so they are not hashed); the work per task is fixed iterations calibrated to ~1 ms on this box')
  for (const [name, v] of Object.entries(samples)) report.detail(`${name}: ${v.map(s => typeof s === 'number' ? `${s.toFixed(0)} ms` : `${s.ms.toFixed(0)} ms, ${usPer(s, HIT_FILES + 1).toFixed(2)} us/task active`).join('; ')}`)
  if (values['no-write']) console.log('# not written: --no-write')
  else report.write()
} finally {
  await engine.close()
  await rm(dir, { recursive: true, force: true })
}
