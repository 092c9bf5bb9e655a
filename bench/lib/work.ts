/**
 * Calibration of the fixed-iteration work (bench/handlers/work.mjs) on the main
 * thread, in the run that uses it: iterations per µs on this box, now, under
 * whatever else the box is doing. A task of `iterationsFor(100)` is then about
 * 100 µs of single-thread CPU wherever it runs.
 */
import { burn } from '../handlers/work.mjs'
import { median } from './report.js'

export { burn }

/** Iterations per µs of `burn` on this thread: the median of `samples` timings of ~`ms` each, after a warm-up. */
export function calibrate (ms = 10, samples = 9): number {
  let n = 10_000
  // Warm-up, and find an iteration count that takes about `ms`.
  for (let i = 0; i < 50; i++) burn(n)
  for (;;) {
    const t0 = performance.now()
    burn(n)
    const elapsed = performance.now() - t0
    if (elapsed >= ms / 4) {
      n = Math.max(1, Math.round(n * ms / elapsed))
      break
    }
    n *= 4
  }
  const rates: number[] = []
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now()
    burn(n)
    rates.push(n / ((performance.now() - t0) * 1000))
  }
  return median(rates)
}

/** Iterations of `burn` that take about `us` µs at `perUs` iterations per µs. */
export function iterationsFor (us: number, perUs: number): number {
  return Math.max(1, Math.round(us * perUs))
}

/** `count` tasks of `iterations` each, run inline one after another: their single-thread time in ms. */
export function inlineMs (count: number, iterations: number): number {
  const t0 = performance.now()
  let sink = 0
  for (let i = 0; i < count; i++) sink ^= burn(iterations)
  const ms = performance.now() - t0
  if (sink === 0.5) console.log(sink) // never true: keeps `sink` alive
  return ms
}
