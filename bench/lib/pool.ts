/**
 * The raw Piscina baseline, set up the way the engine sets up its own pool
 * (src/runtime/scheduler.ts): min = max threads, the engine's default idleTimeout, one
 * task per worker at a time, Piscina's defaults for everything else.
 */
import { Piscina } from 'piscina'
import { THREADS } from './report.js'

export const RAW_HANDLERS = new URL('../handlers/raw.mjs', import.meta.url).href
export const SHARED_HANDLERS = new URL('../../workflows/shared/handlers.mjs', import.meta.url)
export const NOOP = new URL('#noop', SHARED_HANDLERS)
export const SPIN = new URL('#spin', SHARED_HANDLERS)

/** The engine's `idleTimeout` default (src/options.ts). */
export const ENGINE_IDLE_TIMEOUT = 60_000

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
