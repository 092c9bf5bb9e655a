/**
 * `--compare`: each case of the current run against the same case of a baseline.
 *
 * Each side is represented by its floor rounds: the round with the lowest median and those
 * within 5% of it (latency.ts). Other work on the machine only ever adds time, so the
 * floor is the closest to the case's own cost, and bursts that hit other rounds are left
 * out. A case has changed beyond the noise only when both hold:
 *   - the Mann-Whitney U test on those samples rejects "same distribution" at `alpha`
 *   - the whole 95% confidence interval of the change (Hodges-Lehmann shift over the
 *     baseline's median) lies beyond +-`threshold`
 * The first guards against chance; the second against shifts that are real but small, the
 * kind a loaded machine produces between two runs (other work, frequency scaling, caches).
 * And when either side never settled (no two rounds agreed on the floor: the machine was
 * busy throughout), a change is reported as `noisy`, inconclusive, rather than flagged.
 */
import { InvalidOptionsError } from '../errors.js'
import { rejectUnknownKeys } from '../option-keys.js'
import type { BenchRun, CaseResult } from './results.js'
import { compareSamples, median } from './stats.js'

/** How a comparison decides. */
export interface CompareOptions {
  /**
   * Smallest relative change that counts, as a fraction (0.1 = 10%).
   * @default 0.1
   */
  threshold?: number
  /**
   * Significance level of the rank test.
   * @default 0.01
   */
  alpha?: number
}

const kDefaultCompareOptions: Readonly<Required<CompareOptions>> = Object.freeze({ threshold: 0.1, alpha: 0.01 })

/** One case compared. Changes are fractions of the baseline's median latency (0.5 = 50% slower). */
export interface CaseComparison {
  id: string
  verdict: 'slower' | 'faster' | 'unchanged' | 'noisy' | 'new' | 'missing'
  /** Median of the baseline's floor rounds. */
  baselineMedian?: number
  /** Median of the current run's floor rounds. */
  currentMedian?: number
  change?: number
  changeLow?: number
  changeHigh?: number
  p?: number
}

/**
 * Compares every case of `current` with the case of the same id in `baseline`.
 * @throws {InvalidOptionsError} on an unknown option or a threshold or alpha outside (0, 1)
 */
export function compareRuns (baseline: BenchRun, current: BenchRun, options: CompareOptions = {}): CaseComparison[] {
  rejectUnknownKeys(options, Object.keys(kDefaultCompareOptions), 'compareRuns()')
  const { threshold, alpha } = { ...kDefaultCompareOptions, ...options }
  if (!(threshold >= 0 && threshold < 10)) throw new InvalidOptionsError(`threshold must be a fraction from 0 to 10, got ${threshold}`)
  if (!(alpha > 0 && alpha < 1)) throw new InvalidOptionsError(`alpha must be between 0 and 1, got ${alpha}`)
  const before = new Map(baseline.cases.map(c => [c.id, c]))
  const out: CaseComparison[] = current.cases.map(c => {
    const b = before.get(c.id)
    before.delete(c.id)
    return b === undefined ? { id: c.id, verdict: 'new', currentMedian: median(floorSamples(c.latency.rounds)) } : compareCase(b, c, threshold, alpha)
  })
  for (const b of before.values()) out.push({ id: b.id, verdict: 'missing', baselineMedian: median(floorSamples(b.latency.rounds)) })
  return out
}

function compareCase (b: CaseResult, c: CaseResult, threshold: number, alpha: number): CaseComparison {
  const before = floorSamples(b.latency.rounds)
  const after = floorSamples(c.latency.rounds)
  const base = median(before)
  const cur = median(after)
  if (before.length < 2 || after.length < 2 || base <= 0) {
    return { id: c.id, verdict: 'unchanged', baselineMedian: base, currentMedian: cur }
  }
  const s = compareSamples(before, after)
  const change = s.shift / base
  const changeLow = s.low / base
  const changeHigh = s.high / base
  let verdict: CaseComparison['verdict'] = 'unchanged'
  if (s.p < alpha && changeLow > threshold) verdict = 'slower'
  else if (s.p < alpha && changeHigh < -threshold) verdict = 'faster'
  if (verdict !== 'unchanged' && !(b.latency.settled && c.latency.settled)) verdict = 'noisy'
  return { id: c.id, verdict, baselineMedian: base, currentMedian: cur, change, changeLow, changeHigh, p: s.p }
}

/** The samples of the round with the lowest median and of the rounds within 5% of it. */
function floorSamples (rounds: readonly number[][]): number[] {
  const medians = rounds.map(r => r.length === 0 ? Infinity : median(r))
  const floor = Math.min(...medians)
  return rounds.filter((_, i) => medians[i] <= floor * 1.05).flat()
}

/**
 * The cases that got slower by more than `percent` beyond the noise: flagged slower, and
 * the low end of the change's interval above `percent`.
 */
export function regressions (comparisons: readonly CaseComparison[], percent: number): CaseComparison[] {
  return comparisons.filter(c => c.verdict === 'slower' && (c.changeLow ?? 0) * 100 > percent)
}
