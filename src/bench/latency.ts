/**
 * Latency, sampled in rounds. The cases that share an engine take turns: round 1 of every
 * case, then round 2 of every case, and so on, each round a tinybench run of
 * `time / rounds` ms. A burst of other work on the machine then lands in a round or two
 * of several cases rather than on the whole of one case, and a comparison can look at
 * each case's floor rounds (compare.ts).
 *
 * The figures of a case (mean, percentiles, margin of error) are computed over the
 * samples of all its rounds, the way tinybench computes them over one run's.
 */
import { Bench } from 'tinybench'
import { BenchError } from '../errors.js'
import { runQueueWaitMs } from './contention.js'
import { minOf } from './stats.js'
import type { LatencyStats } from './results.js'
import type { PlannedCase } from './suite.js'
import { lookSchedule } from './verdict.js'

// Samples kept per case in a saved run: plenty for a rank test, a few kB of JSON.
const kKeptSamples = 1000
// How close the two lowest round medians must be for a case to have settled.
const kSettle = 0.05
// How far above the fastest sample a quiet round's median may be: executions vary a little
// on their own (GC, caches), but not by half.
const kFloorOverFastest = 1.5

/** One execution of a case; resolves when it succeeded, rejects with a BenchError otherwise. */
type RunOnce = () => Promise<unknown>

/** Told when a case starts and ends a round, and of each sample. */
export interface RoundListener {
  start: (c: PlannedCase, round: number) => void
  sample: () => void
  /** @param last whether this was the case's last round */
  end: (c: PlannedCase, round: number, last: boolean) => void
}

/** The samples of one round (ms), the machine's contention over it (contention.ts), and what the case's runner adds. */
export interface Round<Extra = unknown> {
  samples: number[]
  contention: number
  extra?: Extra
}

/** A case to sample: one execution, and what to read once a round is over (outside its timing). */
export interface RoundRunner<Extra = unknown> {
  c: PlannedCase
  once: RunOnce
  endRound?: () => Promise<Extra>
}

/**
 * Whether a case's comparison is decided on the rounds so far (verdict.ts): the sampler
 * asks at each look of the case's schedule, and stops the case at the first yes.
 */
export type Judge<Extra = unknown> = (rounds: ReadonlyArray<Round<Extra>>) => boolean

/**
 * Samples every case in at least `rounds` rounds, taking turns, then goes on, up to
 * `maxRounds`, with the cases that have not settled or whose comparison (`judges[i]`,
 * when there is a baseline to compare with) is not decided yet. A case stops only at a
 * look of its schedule (lookSchedule): the comparison then holds its level over all looks.
 * A case has settled when its two lowest round medians are within 5% of each other:
 * other work only ever adds time, so two rounds that agree on the floor are two quiet
 * rounds, and the floor is the case's own cost.
 */
export async function sampleInRounds<Extra> (cases: ReadonlyArray<RoundRunner<Extra>>, listener: RoundListener,
  judges: ReadonlyArray<Judge<Extra> | undefined> = []): Promise<Array<Array<Round<Extra>>>> {
  const rounds: Array<Array<Round<Extra>>> = cases.map(() => [])
  const looks = cases.map(({ c }) => new Set(lookSchedule(c.rounds, c.maxRounds)))
  // The answer at a round count, kept: wanted() is asked more than once per round.
  const asked = cases.map(() => ({ done: -1, more: true }))
  const wanted = (i: number): boolean => {
    const { c } = cases[i]
    const done = rounds[i].length
    if (done < c.rounds) return true
    if (done >= c.maxRounds) return false
    if (!looks[i].has(done)) return true
    if (asked[i].done !== done) {
      const judge = judges[i]
      asked[i] = { done, more: !settled(rounds[i]) || (judge !== undefined && !judge(rounds[i])) }
    }
    return asked[i].more
  }
  for (let round = 0; cases.some((_, i) => wanted(i)); round++) {
    for (let i = 0; i < cases.length; i++) {
      if (!wanted(i)) continue
      const { c, once, endRound } = cases[i]
      const sampled: Round<Extra> = await sampleRound(c, once, round, listener)
      if (endRound !== undefined) sampled.extra = await endRound()
      rounds[i].push(sampled)
      listener.end(c, round, !wanted(i))
    }
  }
  return rounds
}

async function sampleRound (c: PlannedCase, once: RunOnce, round: number, listener: RoundListener): Promise<Round<never>> {
  listener.start(c, round)
  // Warm-up in the first round only: it loads handlers in every worker.
  const bench = new Bench({
    time: Math.max(1, Math.round(c.time / c.rounds)),
    iterations: Math.max(2, Math.ceil(c.minSamples / c.rounds)),
    warmup: round === 0,
    warmupTime: c.warmup,
    warmupIterations: 2,
    throws: true,
    retainSamples: true
  })
  bench.add(c.id, async () => { await once(); listener.sample() })
  const wait0 = runQueueWaitMs()
  const t0 = performance.now()
  try {
    await bench.run()
  } catch (err) {
    // tinybench may hand the task's error back wrapped.
    const cause = (err as { cause?: unknown }).cause
    throw cause instanceof BenchError ? cause : err
  }
  const result = bench.tasks[0].result
  if (result.state !== 'completed') throw new Error(`latency benchmark of ${c.id} ended ${result.state}`)
  const contention = (runQueueWaitMs() - wait0) / (performance.now() - t0)
  return { samples: [...result.latency.samples ?? []], contention }
}

/**
 * Two rounds agree on the floor: their medians, the two lowest, within kSettle of each
 * other, and the floor is near the fastest sample seen. The second part tells a quiet
 * floor from two rounds that happened to be equally busy: a busy round's median sits far
 * above the odd execution that ran undisturbed.
 */
export function settled (rounds: ReadonlyArray<{ samples: readonly number[] }>): boolean {
  const medians = rounds.map(r => quantile([...r.samples].sort((a, b) => a - b), 0.5)).sort((a, b) => a - b)
  const fastest = Math.min(...rounds.map(r => minOf(r.samples)))
  return medians.length >= 2 && medians[1] <= medians[0] * (1 + kSettle) && medians[0] <= fastest * kFloorOverFastest
}

/**
 * The statistics of all rounds' samples, the rounds themselves thinned to keep, and each
 * round's fastest execution (the units a comparison tests, verdict.ts).
 * @param looks looks the sampler compared the case at (1 when it had no baseline)
 */
export function describeLatency (rounds: readonly Round[], looks = 1): LatencyStats {
  const all = rounds.flatMap(r => r.samples).sort((a, b) => a - b)
  const n = all.length
  const mean = all.reduce((s, x) => s + x, 0) / n
  const variance = n < 2 ? 0 : all.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)
  const sd = Math.sqrt(variance)
  const moe = n < 2 ? 0 : tCritical(n - 1) * sd / Math.sqrt(n)
  const keep = Math.min(1, kKeptSamples / Math.max(1, n))
  return {
    mean,
    p50: quantile(all, 0.5),
    p75: quantile(all, 0.75),
    p99: quantile(all, 0.99),
    min: all[0],
    max: all[n - 1],
    sd,
    rme: mean === 0 ? 0 : 100 * moe / mean,
    samples: n,
    settled: settled(rounds),
    rounds: rounds.map(r => thin([...r.samples].sort((a, b) => a - b), Math.max(2, Math.floor(r.samples.length * keep)))),
    fastest: rounds.map(r => minOf(r.samples)),
    looks,
    contention: rounds.map(r => r.contention)
  }
}

/** Linear interpolation between order statistics of sorted values (as tinybench does). */
export function quantile (sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.min(sorted.length - 1, lo + 1)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/** Evenly spaced order statistics: a smaller sample with the same distribution. */
function thin (sorted: readonly number[], size: number): number[] {
  if (sorted.length <= size) return [...sorted]
  const step = sorted.length / size
  return Array.from({ length: size }, (_, i) => sorted[Math.floor(i * step + step / 2)])
}

/** Two-sided 95% critical value of Student's t (Cornish-Fisher expansion; exact below 4 df by table). */
function tCritical (df: number): number {
  if (df <= 3) return [12.706, 4.303, 3.182][df - 1]
  const z = 1.959963984540054
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df)
}
