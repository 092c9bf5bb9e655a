/**
 * The per-file pipeline (workflows/per-file: list the .js files of a folder, measure
 * and compress each, merge the totals) three ways, over the same files:
 *   mapped        the workflow as written: one instance of `measure` and of `compress`
 *                 per file, element by element
 *   4 shards      what one writes without mapping: `list`, four tasks that each loop over
 *                 every fourth file (measure then compress), a merge (fair)
 *   raw Piscina   the files listed on the main thread, one `pool.run` per file doing both
 *                 steps, the merge on the main thread: the hand-written version, with no
 *                 DAG and no history (the ceiling)
 * Every version calls the workflow's own handlers (bench/handlers/per-file.mjs), so
 * the work per file is the same; their digests are compared after every run.
 * Files: the .js files under --dir (default node_modules/bullmq, a fixed package:
 * ~350 files, ~2.7 MB), at most --limit of them; brotli at --brotli (default 9).
 *
 *   npx tsx bench/per-file.bench.ts [--rounds 3] [--dir path] [--limit 1000] [--brotli 9]
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Piscina } from 'piscina'
import { createWorkflow, Engine, type Workflow } from '../dist/index.js'
import { merge } from './handlers/per-file.mjs'
import { ENGINE_IDLE_TIMEOUT } from './lib/pool.js'
import { interleave, median, Report, THREADS } from './lib/report.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    dir: { type: 'string', default: fileURLToPath(new URL('../node_modules/bullmq', import.meta.url)) },
    limit: { type: 'string', default: '1000' },
    brotli: { type: 'string', default: '9' }
  }
})
const rounds = Number(values.rounds)
// The example as published (workflows/per-file), and its own listing for the raw version.
const FILES = new URL('../workflows/per-file/handlers/files.mjs', import.meta.url)
const { perFile } = await import(new URL('../workflows/per-file/workflow.mjs', import.meta.url).href) as { perFile: Workflow }
const { list } = await import(FILES.href) as { list: (input: object) => string[] }
const SHARDS = 4
const HANDLERS = new URL('./handlers/per-file.mjs', import.meta.url)
const input = { dir: values.dir!, ext: '.js', limit: Number(values.limit), brotliQuality: Number(values.brotli) }

const builder = createWorkflow('per-file-4-shards')
  .addTask('list', { handler: new URL('#list', FILES) })
const shardIds = Array.from({ length: SHARDS }, (_, k) => `shard${k}`)
for (let k = 0; k < SHARDS; k++) builder.addTask(shardIds[k], { handler: new URL('#shard', HANDLERS), dependsOn: ['list'], input: { shard: k, of: SHARDS } })
const sharded = builder.addTask('merge', { handler: new URL('#mergeShards', HANDLERS), dependsOn: shardIds }).build()

interface Merged { files: number, bytes: number, digest: string }

const report = new Report('per-file', `the per-file pipeline over the .js files of a folder: one instance per file vs ${SHARDS} hand-made shards vs raw Piscina`)
const engine = new Engine({ threads: THREADS })
const pool = new Piscina({ filename: HANDLERS.href, minThreads: THREADS, maxThreads: THREADS, idleTimeout: ENGINE_IDLE_TIMEOUT, concurrentTasksPerWorker: 1 })
try {
  await engine.publishWorkflow(perFile)
  await engine.publishWorkflow(sharded)
  const digests = new Set<string>()
  let merged: Merged | undefined
  const execute = async (id: string): Promise<void> => {
    const result = await engine.execute(id, input)
    if (result.status !== 'success') throw new Error(`${id} ended ${result.status}: ${result.error?.message}`)
    await engine.flush()
    merged = result.tasks.merge.output as Merged
    digests.add(merged.digest)
  }
  const raw = async (): Promise<void> => {
    const files = list(input)
    const options = { brotliQuality: input.brotliQuality }
    const outputs = await Promise.all(files.map(file => pool.run({ file, options }, { name: 'file' })))
    digests.add(merge(undefined, { deps: { compress: outputs } }).digest)
  }
  const timed = (fn: () => Promise<void>) => async (): Promise<number> => {
    const t0 = performance.now()
    await fn()
    return performance.now() - t0
  }
  const cases = { mapped: timed(() => execute(perFile.id)), sharded: timed(() => execute(sharded.id)), raw: timed(raw) }
  await interleave(cases, 1)
  const samples = await interleave(cases, rounds)
  if (digests.size !== 1) throw new Error(`the three versions disagree: ${[...digests].join(', ')}`)
  const fps = (name: keyof typeof cases): number => merged!.files / median(samples[name]) * 1000
  const label = `${merged!.files} files, ${(merged!.bytes / 1e6).toFixed(1)} MB`
  const shards = { name: `graph-task, ${SHARDS} hand-made shards`, value: fps('sharded'), kind: 'fair' as const }
  const rawPiscina = { name: 'raw Piscina, a pool.run per file', value: fps('raw') }
  report.add({ name: `${label}: one instance per file vs ${SHARDS} shards`, value: fps('mapped'), unit: 'files/s', baseline: shards, ceiling: rawPiscina, target: { op: '>=', value: 1.0 } })
  report.add({ name: `${label}: one instance per file vs raw Piscina`, value: fps('mapped'), unit: 'files/s', baseline: { ...rawPiscina, kind: 'fair' }, target: { op: '>=', value: 0.95 } })
  report.note(`per-file: the .js files under ${values.dir!.replace(fileURLToPath(new URL('..', import.meta.url)), '')}, measure (lines, identifiers, sha256) and compress (gzip-9, brotli-${input.brotliQuality}) each, merge; ${THREADS} threads; ` +
    `the same digest from all three versions checked; medians of ${rounds} interleaved rounds after one warm-up round; graph-task's clock stops after engine.flush()`)
  for (const [name, v] of Object.entries(samples)) report.detail(`${name}: ${v.map(ms => ms.toFixed(0)).join(', ')} ms`)
  report.write()
} finally {
  await engine.close()
  await pool.destroy()
}
