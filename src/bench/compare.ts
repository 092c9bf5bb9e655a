/**
 * `--compare`: each case of the current run against the same case of a baseline.
 *
 * Each side is represented by its units, one per latency round: the round's fastest
 * execution (latency.ts). Other work on the machine only ever adds time, so the fastest of
 * a round is the closest it came to the case's own cost, and a burst that slowed a round
 * weighs as one unit, not as all its samples. The verdict is decided on those units with a
 * rank interval of the ratio current / baseline (verdict.ts): `slower` or `faster` only when
 * the whole interval lies beyond +-`threshold`, `unchanged` only when it lies inside, and
 * `inconclusive`, with the reason, when the units are too few to reach the level, when the
 * interval still spans a threshold at the end of the time budget, or when either side
 * never settled (the machine was busy throughout).
 *
 * With a baseline given to the run itself, the sampler compares at each look of a
 * schedule and stops a case once decided; the level then is alpha / looks at each look.
 * Each task is compared the same way, on its fastest run time per round from the same
 * rounds (breakdown.ts), so a report can name the task that got slower.
 */
import { InvalidOptionsError } from '../errors.js'
import { rejectUnknownKeys } from '../option-keys.js'
import type { Judge, Round } from './latency.js'
import type { BenchRun, CaseResult, LatencyStats, TaskRounds } from './results.js'
import { median, minOf, rankTestP, shiftInterval } from './stats.js'
import { decideRatio, lookSchedule, unitsNeeded, type Decided, type InconclusiveReason } from './verdict.js'

/** How a comparison decides. */
export interface CompareOptions {
  /**
   * Smallest relative change that counts, as a fraction (0.1 = 10%).
   * @default 0.1
   */
  threshold?: number
  /**
   * Chance, at most, that an unchanged case is flagged slower (or faster), over all looks.
   * @default 0.01
   */
  alpha?: number
}

const kDefaultCompareOptions: Readonly<Required<CompareOptions>> = Object.freeze({ threshold: 0.1, alpha: 0.01 })

/** One task compared, on its units from the same rounds as its case's verdict. */
export interface TaskComparison {
  taskId: string
  /** From the run time's units: `slower` names the task that got slower. */
  verdict: Decided | 'inconclusive'
  /** Median over rounds of the fastest run time, ms. */
  baselineRun: number
  currentRun: number
  /** Change of the run time, a fraction, with its interval (absent ends: unbounded). */
  runChange: number
  runChangeLow?: number
  runChangeHigh?: number
  /** Median over rounds of the fastest queue wait, ms. */
  baselineQueueWait: number
  currentQueueWait: number
  /** Shift of the queue wait, ms, with its interval (absent ends: unbounded). */
  queueWaitShift: number
  queueWaitLow?: number
  queueWaitHigh?: number
}

/** One case compared. Changes are fractions of the baseline (0.5 = 50% slower). */
export interface CaseComparison {
  id: string
  verdict: Decided | 'inconclusive' | 'new' | 'missing'
  /** Why an `inconclusive` verdict is one. */
  reason?: InconclusiveReason
  /** The reason in words. */
  why?: string
  /** Median over the baseline's rounds of each round's fastest execution, ms. */
  baselineMedian?: number
  /** The same over the current run's rounds. */
  currentMedian?: number
  change?: number
  /** Absent when the units are too few to bound the change. */
  changeLow?: number
  changeHigh?: number
  /** Two-sided p-value of the Mann-Whitney U test of "no change" on the units (for reference; the verdict rests on the interval). */
  p?: number
  /** Confidence of the interval, 0 to 1: 1 - 2 alpha / looks. */
  level?: number
  /** Units (rounds) of the baseline and of the current run. */
  units?: [number, number]
  /** Per task, from the same rounds; absent when a side has no per-task units (older runs). */
  tasks?: TaskComparison[]
  /** The tasks whose run time is `slower`: the ones that got slower. */
  slowerTasks?: string[]
}

/** The options, checked and filled in. */
function resolveOptions (options: CompareOptions): Required<CompareOptions> {
  rejectUnknownKeys(options, Object.keys(kDefaultCompareOptions), 'compareRuns()')
  const resolved = { ...kDefaultCompareOptions, ...options }
  const { threshold, alpha } = resolved
  if (!(threshold >= 0 && threshold < 10)) throw new InvalidOptionsError(`threshold must be a fraction from 0 to 10, got ${threshold}`)
  if (!(alpha > 0 && alpha < 1)) throw new InvalidOptionsError(`alpha must be between 0 and 1, got ${alpha}`)
  return resolved
}

/**
 * Compares every case of `current` with the case of the same id in `baseline`.
 * @throws {InvalidOptionsError} on an unknown option, a threshold outside [0, 10) or an alpha outside (0, 1)
 */
export function compareRuns (baseline: BenchRun, current: BenchRun, options: CompareOptions = {}): CaseComparison[] {
  const { threshold, alpha } = resolveOptions(options)
  const before = new Map(baseline.cases.map(c => [c.id, c]))
  const out: CaseComparison[] = current.cases.map(c => {
    const b = before.get(c.id)
    before.delete(c.id)
    return b === undefined ? { id: c.id, verdict: 'new', currentMedian: median(caseUnits(c.latency)) } : compareCase(b, c, threshold, alpha)
  })
  for (const b of before.values()) out.push({ id: b.id, verdict: 'missing', baselineMedian: median(caseUnits(b.latency)) })
  return out
}

/** Each round's fastest execution; for runs saved before those were kept, each round's lowest kept sample. */
export function caseUnits (latency: LatencyStats): number[] {
  return latency.fastest ?? latency.rounds.filter(r => r.length > 0).map(minOf)
}

const bounded = (x: number): number | undefined => Number.isFinite(x) && x > -1 ? x : undefined

function compareCase (b: CaseResult, c: CaseResult, threshold: number, alpha: number): CaseComparison {
  const before = caseUnits(b.latency)
  const after = caseUnits(c.latency)
  const alphaPerSide = alpha / Math.max(1, c.latency.looks ?? 1)
  const d = decideRatio(before, after, threshold, alphaPerSide)
  let verdict = d.verdict
  let reason = d.reason
  // Too few units is said first: no quieter machine mends it.
  if (reason !== 'too-few-samples' && !(b.latency.settled && c.latency.settled)) {
    verdict = 'inconclusive'
    reason = 'unsettled'
  }
  const level = 1 - 2 * alphaPerSide
  const out: CaseComparison = {
    id: c.id,
    verdict,
    baselineMedian: median(before),
    currentMedian: median(after),
    change: d.change,
    changeLow: bounded(d.changeLow),
    changeHigh: bounded(d.changeHigh),
    level,
    units: [before.length, after.length]
  }
  if (reason !== undefined) {
    out.reason = reason
    out.why = explain(reason, b, c, threshold, alphaPerSide, level)
  }
  if (before.length >= 2 && after.length >= 2) out.p = rankTestP(before, after)
  if (b.taskRounds !== undefined && c.taskRounds !== undefined) {
    out.tasks = compareTasks(b.taskRounds, c.taskRounds, threshold, alphaPerSide)
    out.slowerTasks = out.tasks.filter(t => t.verdict === 'slower').map(t => t.taskId)
  }
  return out
}

function explain (reason: InconclusiveReason, b: CaseResult, c: CaseResult, threshold: number, alphaPerSide: number, level: number): string {
  const pct = `${(level * 100).toFixed(1)}%`
  const before = caseUnits(b.latency).length
  const after = caseUnits(c.latency).length
  switch (reason) {
    case 'unsettled': {
      const sides = [!b.latency.settled && 'the baseline', !c.latency.settled && 'the current run'].filter(Boolean).join(' and ')
      return `${sides} never settled: the machine was busy throughout its rounds, so its fastest executions are not the case's own cost`
    }
    case 'too-few-samples': {
      const needed = unitsNeeded(before, alphaPerSide)
      return `${before} baseline and ${after} current rounds are too few for a ${pct} interval to bound the change` +
        (needed > 10 * before ? '; save the baseline again with more rounds' : ` (it takes ${needed} current rounds with this baseline: raise maxRounds)`)
    }
    case 'undecided':
      return `after ${after} rounds (the time budget) the ${pct} interval still spans ${(threshold * 100).toFixed(0)}%` +
        ' in one direction: raise time or maxRounds to decide'
  }
}

/** Each task of the current run that the baseline has too, on its units from the same rounds; alpha shared between the tasks. */
function compareTasks (before: readonly TaskRounds[], after: readonly TaskRounds[], threshold: number, alphaPerSide: number): TaskComparison[] {
  const byId = new Map(before.map(t => [t.taskId, t]))
  const pairs = after.flatMap(t => { const b = byId.get(t.taskId); return b === undefined ? [] : [[b, t] as const] })
  const a = alphaPerSide / Math.max(1, pairs.length)
  return pairs.map(([b, t]) => {
    const runBefore = present(b.run)
    const runAfter = present(t.run)
    const run = decideRatio(runBefore, runAfter, threshold, a)
    const waitBefore = present(b.queueWait)
    const waitAfter = present(t.queueWait)
    const wait = shiftInterval(waitBefore, waitAfter, a)
    return {
      taskId: t.taskId,
      // A task whose run time is all but zero (a no-op) has no ratio worth a verdict.
      verdict: runBefore.length === 0 || median(runBefore) <= 0 ? 'inconclusive' : run.verdict,
      baselineRun: median(runBefore),
      currentRun: median(runAfter),
      runChange: run.change,
      runChangeLow: bounded(run.changeLow),
      runChangeHigh: bounded(run.changeHigh),
      baselineQueueWait: median(waitBefore),
      currentQueueWait: median(waitAfter),
      queueWaitShift: wait.shift,
      queueWaitLow: Number.isFinite(wait.low) ? wait.low : undefined,
      queueWaitHigh: Number.isFinite(wait.high) ? wait.high : undefined
    }
  })
}

const present = (values: ReadonlyArray<number | null>): number[] => values.filter((v): v is number => v !== null && Number.isFinite(v))

/**
 * What the sampler asks at each look of a case that the baseline has (latency.ts): is its
 * comparison decided on the rounds so far? Yes at once when no number of rounds can
 * decide it: the baseline never settled, or has too few rounds for the level.
 */
export function caseJudge (baseline: CaseResult, schedule: { rounds: number, maxRounds: number }, options: CompareOptions = {}): { judge: Judge, looks: number } {
  const { threshold, alpha } = resolveOptions(options)
  const looks = lookSchedule(schedule.rounds, schedule.maxRounds).length
  const alphaPerSide = alpha / looks
  const before = caseUnits(baseline.latency)
  if (!baseline.latency.settled || unitsNeeded(before.length, alphaPerSide) > schedule.maxRounds) return { judge: () => true, looks }
  const judge = (rounds: ReadonlyArray<Round>): boolean =>
    decideRatio(before, rounds.map(r => minOf(r.samples)), threshold, alphaPerSide).verdict !== 'inconclusive'
  return { judge, looks }
}

/**
 * The cases that got slower by more than `percent` beyond the noise: flagged slower, and
 * the low end of the change's interval above `percent`.
 */
export function regressions (comparisons: readonly CaseComparison[], percent: number): CaseComparison[] {
  return comparisons.filter(c => c.verdict === 'slower' && (c.changeLow ?? 0) * 100 > percent)
}

/**
 * The inconclusive cases that may have got slower by more than `percent`: any whose
 * interval is unbounded or reaches past it, and any with a side that never settled.
 */
export function unresolved (comparisons: readonly CaseComparison[], percent: number): CaseComparison[] {
  return comparisons.filter(c => c.verdict === 'inconclusive' &&
    (c.reason !== 'undecided' || c.changeHigh === undefined || c.changeHigh * 100 > percent))
}
