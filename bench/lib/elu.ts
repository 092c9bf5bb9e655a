/**
 * Main-thread cost, measured as event-loop utilisation (ELU): the time the main
 * thread's event loop spent outside its poll for events, which is where planning,
 * scheduling, posting messages, decoding answers and recording happen. Worker
 * threads have event loops of their own and do not count here.
 *
 * ELU is wall time, not CPU time: when the OS takes the core away from a busy main
 * thread (more runnable threads than cores), that time counts as active. Read a
 * figure taken with threads >= cores as an upper bound; the headline figure
 * (bench/main-thread.bench.ts) uses one worker thread on a box with two cores.
 *
 * Beside it, where Linux offers it, the main thread's own on-CPU time and its time
 * waiting for a CPU (/proc/thread-self/schedstat, in ns): CPU time does not count
 * the time the OS held the thread off the core, so on a shared, noisy box it is the
 * steadier of the two, and the wait says how much of the ELU was that.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

export interface Sample {
  /** Wall-clock ms of the measured call. */
  ms: number
  /** ms of it the main thread's event loop was active. */
  activeMs: number
  /** ms the main thread was on a CPU (Linux only, else NaN). */
  cpuMs: number
  /** ms the main thread was runnable but waiting for a CPU (Linux only, else NaN). */
  waitMs: number
}

let schedstat = true

/** [ns on CPU, ns waiting for a CPU] of the calling thread, or NaNs off Linux. */
function threadTimes (): [number, number] {
  if (schedstat) {
    try {
      const fields = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')
      return [Number(fields[0]), Number(fields[1])]
    } catch {
      schedstat = false
    }
  }
  return [NaN, NaN]
}

/** Runs `fn` and returns its wall time and the main thread's active, CPU and wait times over it. */
export async function sampled (fn: () => Promise<unknown>): Promise<Sample> {
  const [cpu0, wait0] = threadTimes()
  const elu0 = performance.eventLoopUtilization()
  const t0 = performance.now()
  await fn()
  const ms = performance.now() - t0
  const elu = performance.eventLoopUtilization(elu0)
  const [cpu1, wait1] = threadTimes()
  return { ms, activeMs: elu.active, cpuMs: (cpu1 - cpu0) / 1e6, waitMs: (wait1 - wait0) / 1e6 }
}

/** Main-thread µs per unit of work (task, step) of a sample. */
export function usPer (sample: Sample, units: number): number {
  return sample.activeMs * 1000 / units
}

/** Main-thread on-CPU µs per unit of work (NaN off Linux). */
export function cpuUsPer (sample: Sample, units: number): number {
  return sample.cpuMs * 1000 / units
}

/** The sample's main-thread utilisation: active / wall, 0 to 1. */
export function utilisation (sample: Sample): number {
  return sample.activeMs / sample.ms
}
