/**
 * The decision behind a comparison, on units: one value per round (the round's fastest
 * execution, or a task's fastest run in it). Rounds are minutes apart in the worst case
 * and other work only ever adds time, so each round's fastest value is an independent,
 * nearly load-free look at the cost; a slow round's samples are not counted many times over.
 *
 * The change is the ratio of current to baseline: the Hodges-Lehmann shift of the
 * logarithms of each side's fastest half of units, with its rank interval (stats.ts). A verdict is decided only when the interval
 * lies wholly on one side of each of +-threshold:
 *
 *   slower      the low end above +threshold  (the one-sided rank test of "slower by at
 *               most the threshold" rejects it)
 *   faster      the high end below -threshold
 *   unchanged   the interval inside (-threshold, +threshold)
 *   otherwise   inconclusive: too few units for the level to bound anything, or the
 *               interval still spans a threshold
 *
 * Sampling is group-sequential (latency.ts): the current run is compared at a few looks
 * (after `rounds` rounds, then about 1.5x as many each time, up to `maxRounds`) and stops
 * at the first decided one. Each look spends alpha / looks (Bonferroni), so the chance of
 * flagging an unchanged case over all looks stays within `alpha`.
 */
import { pairsOutside, shiftInterval } from './stats.js'

/**
 * Share of a side's units the test keeps: its fastest rounds. Other work only ever adds
 * time, so the busiest rounds tell least about the case's cost; the fastest half of each
 * side are samples of the same lower half of the units' distribution when nothing changed,
 * and a change in the case's own cost moves that half as much as the rest. Chosen by
 * scripts/bench-calibration.ts: all units left an unchanged case beside a busy process
 * undecided most of the time (its slow rounds widen the interval), half did not.
 */
const kFloorShare = 0.5

/** What a decision on units came to. */
export type Decided = 'slower' | 'faster' | 'unchanged'

/** Why a comparison is inconclusive. */
export type InconclusiveReason =
  /** Too few units on a side for the test to reach its level at all. */
  | 'too-few-samples'
  /** The interval still spans a threshold when the time budget ended. */
  | 'undecided'
  /** A side never settled: the machine was busy throughout its rounds (latency.ts). */
  | 'unsettled'

/** One decision: the change as a fraction (0.5 = 50% slower), its interval, and the verdict. */
export interface UnitDecision {
  verdict: Decided | 'inconclusive'
  reason?: InconclusiveReason
  change: number
  /** -1 when unbounded (too few units). */
  changeLow: number
  /** Infinity when unbounded (too few units). */
  changeHigh: number
}

/** Round counts at which a case is compared: `rounds`, then about 1.5x more each time, ending at `maxRounds`. */
export function lookSchedule (rounds: number, maxRounds: number): number[] {
  const looks: number[] = []
  for (let r = rounds; r < maxRounds; r = Math.ceil(r * 1.5)) looks.push(r)
  looks.push(maxRounds)
  return looks
}

/**
 * Decides whether `after` is slower, faster or unchanged against `before` (positive
 * values, e.g. ms), with each end of the interval at level `alphaPerSide`.
 */
export function decideRatio (before: readonly number[], after: readonly number[], threshold: number, alphaPerSide: number): UnitDecision {
  const x = floorUnits(before).map(Math.log)
  const y = floorUnits(after).map(Math.log)
  const s = shiftInterval(x, y, alphaPerSide)
  const out = { change: Math.exp(s.shift) - 1, changeLow: Math.exp(s.low) - 1, changeHigh: Math.exp(s.high) - 1 }
  if (!s.bounded) return { verdict: 'inconclusive', reason: 'too-few-samples', ...out }
  if (out.changeLow > threshold) return { verdict: 'slower', ...out }
  if (out.changeHigh < -threshold) return { verdict: 'faster', ...out }
  if (out.changeLow > -threshold && out.changeHigh < threshold) return { verdict: 'unchanged', ...out }
  return { verdict: 'inconclusive', reason: 'undecided', ...out }
}

/** Smallest number of units a side needs, the other side having `other`, for the test to reach its level; Infinity if none does. */
export function unitsNeeded (other: number, alphaPerSide: number): number {
  for (let m = 1; m <= 10_000; m++) if (pairsOutside(other, m, alphaPerSide) >= 0) return m
  return Infinity
}

/** The fastest kFloorShare of the units (at least 2 where there are), positive and finite. */
export function floorUnits (units: readonly number[]): number[] {
  const sorted = units.filter(v => v > 0 && Number.isFinite(v)).sort((a, b) => a - b)
  return sorted.slice(0, Math.max(Math.min(2, sorted.length), Math.ceil(sorted.length * kFloorShare)))
}
