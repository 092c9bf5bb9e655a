/**
 * The raw Piscina baselines, set up the way the engine sets up its own pool
 * (min = max threads, the engine's default idleTimeout, one task per worker at a
 * time, Piscina's defaults for everything else), and the ways of feeding it:
 *
 *   oneByOne     one `pool.run` per task, all submitted at once: what a user writes
 *                first (naive: one message and one promise per task)
 *   handBatched  the caller packs `perMessage` tasks into one `pool.run` and the
 *                worker loops over them (raw.mjs#batch): the pool's ceiling, no DAG
 *   windowed     one `pool.run` per task, at most `window` in flight, the next
 *                submitted as one settles: the same cap on work in flight as the engine
 */
import { Piscina } from 'piscina'
import { THREADS } from './report.js'

export const RAW_HANDLERS = new URL('../handlers/raw.mjs', import.meta.url).href
export const SHARED_HANDLERS = new URL('../../workflows/shared/handlers.mjs', import.meta.url)
export const NOOP = new URL('#noop', SHARED_HANDLERS)
/** Returns `{ n: 1, s: 'abc' }`: a task that returns a small value. */
export const SMALL = new URL('#small', SHARED_HANDLERS)
export const SPIN = new URL('#spin', SHARED_HANDLERS)
/** Engine handler of fixed-iteration work: `input: { iterations }`. */
export const WORK = new URL('../handlers/work.mjs#work', import.meta.url)

/** The engine's `idleTimeout` default (src/options.ts). */
export const ENGINE_IDLE_TIMEOUT = 60_000
/** The engine's `maxBatchSize` default (src/options.ts): most tasks in one worker message. */
export const ENGINE_MAX_BATCH = 512
/**
 * Most tasks the engine has in flight: two messages per thread (one running, one
 * queued in Piscina) of at most maxBatchSize tasks (README, "How it works").
 */
export const engineInFlightCap = (threads = THREADS): number => 2 * threads * ENGINE_MAX_BATCH

export function rawPool (threads = THREADS): Piscina {
  return new Piscina({
    filename: RAW_HANDLERS,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: ENGINE_IDLE_TIMEOUT,
    concurrentTasksPerWorker: 1
  })
}

/** Waits until every thread of the pool has started and run one task. */
export async function warmPool (pool: Piscina, threads = THREADS): Promise<void> {
  const runs: Array<Promise<unknown>> = []
  for (let i = 0; i < threads * 4; i++) runs.push(pool.run({ us: 2000 }, { name: 'spin' }))
  await Promise.all(runs)
}

/** `count` tasks, one `pool.run` each, all submitted at once. */
export function oneByOne (pool: Piscina, count: number, fn: string, task: unknown = null): Promise<unknown[]> {
  const runs: Array<Promise<unknown>> = new Array(count)
  for (let i = 0; i < count; i++) runs[i] = pool.run(task, { name: fn })
  return Promise.all(runs)
}

/** `count` tasks packed `perMessage` to a `pool.run` (raw.mjs#batch), all messages submitted at once. */
export function handBatched (pool: Piscina, count: number, perMessage: number, fn: string, task: unknown = null): Promise<unknown[]> {
  const runs: Array<Promise<unknown>> = []
  for (let i = 0; i < count; i += perMessage) {
    // One object per task, as a caller would build them: the structured clone would
    // write a repeated reference once, which no real batch of tasks allows.
    const tasks = Array.from({ length: Math.min(perMessage, count - i) }, () => task === null || typeof task !== 'object' ? task : { ...task })
    runs.push(pool.run({ fn, tasks }, { name: 'batch' }))
  }
  return Promise.all(runs)
}

/** `count` tasks, one `pool.run` each, never more than `window` in flight. */
export function windowed (pool: Piscina, count: number, window: number, fn: string, task: unknown = null): Promise<void> {
  return new Promise((resolve, reject) => {
    let submitted = 0
    let settled = 0
    const next = (): void => {
      if (++settled === count) resolve()
      else if (submitted < count) submit()
    }
    const submit = (): void => {
      submitted++
      pool.run(task, { name: fn }).then(next, reject)
    }
    if (count === 0) resolve()
    while (submitted < Math.min(window, count)) submit()
  })
}
