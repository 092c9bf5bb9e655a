import { describe, expect, test } from 'vitest'
import { compareRuns, type BenchRun, type CaseResult } from '../dist/bench.js'
import { caseJudge, regressions, unresolved } from '../src/bench/compare.js'
import { decideRatio, lookSchedule } from '../src/bench/verdict.js'
// @ts-expect-error plain .mjs fixture without types
import { mulberry32 } from '../workflows/shared/prng.mjs'

/**
 * The decision behind `--compare`, on generated samples (seeded, no timing involved): one
 * unit per round (its fastest execution), a rank interval of the ratio that must clear the
 * threshold, `inconclusive` with its reason where the units cannot decide, and per-task
 * verdicts from the same rounds.
 */

/** Rounds of `perRound` latency samples around `median` ms: a quiet skewed spread, plus busy rounds far above. */
function rounds (seed: number, median: number, quiet: number, busy: number, perRound = 40): number[][] {
  const random = mulberry32(seed) as () => number
  const round = (factor: number): number[] =>
    Array.from({ length: perRound }, () => median * factor * Math.exp(0.08 * (random() + random() + random() - 1.5))).sort((a, b) => a - b)
  return [...Array.from({ length: quiet }, () => round(1)), ...Array.from({ length: busy }, (_, i) => round(2 + i))]
}

interface CaseSpec {
  id: string
  rounds: number[][]
  settled?: boolean
  looks?: number
  taskRounds?: CaseResult['taskRounds']
}

function run (cases: CaseSpec[]): BenchRun {
  return {
    format: 1,
    environment: { node: 'v20', platform: 'linux-x64', cpuModel: 'cpu', cores: 2, loadAverage: [0, 0], graphTaskVersion: '0', storage: 'memory', date: '' },
    cases: cases.map(c => ({
      id: c.id,
      latency: { rounds: c.rounds, settled: c.settled ?? true, contention: c.rounds.map(() => 0), looks: c.looks },
      taskRounds: c.taskRounds
    } as unknown as CaseResult))
  }
}

describe('comparing runs', () => {
  test('the same distribution is unchanged, even when the current run had busy rounds', () => {
    const baseline = run([{ id: 'a', rounds: rounds(1, 3, 12, 0) }])
    const current = run([{ id: 'a', rounds: rounds(2, 3, 10, 2) }])
    const [a] = compareRuns(baseline, current)
    expect(a.verdict).toBe('unchanged')
    expect(a.changeLow).toBeGreaterThan(-0.1)
    expect(a.changeHigh).toBeLessThan(0.1)
  })

  test('a shift beyond the threshold is flagged with its interval, a small real one is not', () => {
    const baseline = run([{ id: 'big', rounds: rounds(3, 3, 10, 2) }, { id: 'small', rounds: rounds(4, 3, 12, 0) }])
    const current = run([{ id: 'big', rounds: rounds(5, 3 * 1.5, 10, 2) }, { id: 'small', rounds: rounds(6, 3 * 1.04, 12, 0) }])
    const [big, small] = compareRuns(baseline, current)
    expect(big.verdict).toBe('slower')
    expect(big.change).toBeGreaterThan(0.4)
    expect(big.change).toBeLessThan(0.6)
    expect(big.changeLow).toBeLessThan(big.change as number)
    expect(big.changeHigh).toBeGreaterThan(big.change as number)
    expect(big.p).toBeLessThan(0.01)
    expect(regressions([big, small], 10).map(c => c.id)).toEqual(['big'])
    // 4% is within the 10% threshold: decided unchanged.
    expect(small.verdict).toBe('unchanged')
    expect(compareRuns(baseline, current, { threshold: 0.01 })[1].verdict).toBe('slower')
  })

  // Two samples a round is what a case of 100 ms or more gets by default.
  test('two samples a round: a 1.5x case is flagged slower, the unit being each round\'s fastest', () => {
    const baseline = run([{ id: 'heavy', rounds: rounds(21, 100, 10, 0, 2) }])
    const current = run([{ id: 'heavy', rounds: rounds(22, 150, 10, 0, 2) }])
    const [heavy] = compareRuns(baseline, current)
    expect(heavy.verdict).toBe('slower')
    expect(heavy.units).toEqual([10, 10])
  })

  // Fails when the test keeps every unit (kFloorShare 1): the busy third of the rounds
  // widens the interval past +10% and the case is left undecided.
  test('a third of the current rounds busy: still decided unchanged, the test keeping each side\'s fastest half', () => {
    const baseline = run([{ id: 'a', rounds: rounds(51, 3, 40, 0, 3) }])
    const current = run([{ id: 'a', rounds: rounds(52, 3, 10, 5, 3) }])
    const [a] = compareRuns(baseline, current)
    expect([a.verdict, a.reason]).toEqual(['unchanged', undefined])
  })

  test('faster, new and missing cases are named as such', () => {
    const baseline = run([{ id: 'x', rounds: rounds(7, 4, 10, 0) }, { id: 'gone', rounds: rounds(8, 1, 10, 0) }])
    const current = run([{ id: 'x', rounds: rounds(9, 2, 10, 0) }, { id: 'added', rounds: rounds(10, 1, 10, 0) }])
    expect(compareRuns(baseline, current).map(c => [c.id, c.verdict])).toEqual([['x', 'faster'], ['added', 'new'], ['gone', 'missing']])
  })

  test('options are checked: unknown keys and thresholds out of range are refused', () => {
    const r = run([{ id: 'a', rounds: rounds(13, 3, 2, 0) }])
    expect(() => compareRuns(r, r, { treshold: 0.1 } as never)).toThrow("unknown option 'treshold' in compareRuns(); did you mean 'threshold'?")
    expect(() => compareRuns(r, r, { alpha: 1.5 })).toThrow('alpha must be between 0 and 1')
  })
})

// Each fails when `inconclusive` is dropped for 'unchanged' (the verdict these cases got before).
describe('inconclusive is a verdict, with its reason', () => {
  test('a change measured on a side that never settled is inconclusive, even one that looks unchanged', () => {
    const baseline = run([{ id: 'a', rounds: rounds(11, 3, 10, 0), settled: false }, { id: 'b', rounds: rounds(14, 3, 10, 0) }])
    const current = run([{ id: 'a', rounds: rounds(12, 3, 10, 0) }, { id: 'b', rounds: rounds(15, 6, 0, 12), settled: false }])
    const [a, b] = compareRuns(baseline, current)
    expect([a.verdict, a.reason, b.verdict, b.reason]).toEqual(['inconclusive', 'unsettled', 'inconclusive', 'unsettled'])
    expect(a.why).toContain('the baseline never settled')
    expect(b.why).toContain('the current run never settled')
    expect(unresolved([a, b], 10).map(c => c.id)).toEqual(['a', 'b'])
  })

  test('too few rounds for the level: inconclusive, saying how many it takes', () => {
    const baseline = run([{ id: 'a', rounds: rounds(16, 3, 3, 0) }])
    const current = run([{ id: 'a', rounds: rounds(17, 6, 3, 0) }])
    const [a] = compareRuns(baseline, current)
    // Twice as slow, yet 3 against 3 units cannot reach a 98% interval.
    expect([a.verdict, a.reason, a.changeLow, a.changeHigh]).toEqual(['inconclusive', 'too-few-samples', undefined, undefined])
    expect(a.why).toMatch(/^3 baseline and 3 current rounds are too few for a 98\.0% interval to bound the change \(it takes \d+ current rounds/)
    expect(unresolved([a], 50)).toHaveLength(1)
  })

  test('an interval still spanning the threshold is undecided; it fails a gate only when it reaches past the percent', () => {
    // About 10% slower: the interval straddles the 10% threshold.
    const baseline = run([{ id: 'a', rounds: rounds(18, 3, 10, 0) }])
    const current = run([{ id: 'a', rounds: rounds(19, 3.3, 10, 0) }])
    const [a] = compareRuns(baseline, current)
    expect([a.verdict, a.reason]).toEqual(['inconclusive', 'undecided'])
    expect(a.changeLow).toBeLessThan(0.1)
    expect(a.changeHigh).toBeGreaterThan(0.1)
    expect(unresolved([a], 10)).toHaveLength(1)
    expect(unresolved([a], 50)).toHaveLength(0)
    expect(regressions([a], 10)).toHaveLength(0)
  })
})

describe('looks of the sequential comparison', () => {
  test('the default schedule looks at 10, 15, 23, 35 and 40 rounds', () => {
    expect(lookSchedule(10, 40)).toEqual([10, 15, 23, 35, 40])
    expect(lookSchedule(12, 12)).toEqual([12])
  })

  // Fails when compareRuns ignores the looks the sampler took (alpha not split over them).
  test('a case sampled over five looks is judged at alpha / 5 per side: a wider interval', () => {
    const baseline = run([{ id: 'a', rounds: rounds(31, 3, 40, 0) }])
    const once = compareRuns(baseline, run([{ id: 'a', rounds: rounds(32, 3.6, 15, 0), looks: 1 }]))[0]
    const five = compareRuns(baseline, run([{ id: 'a', rounds: rounds(32, 3.6, 15, 0), looks: 5 }]))[0]
    expect([once.level, five.level]).toEqual([0.98, 0.996])
    expect(five.changeLow).toBeLessThan(once.changeLow as number)
    expect(five.changeHigh).toBeGreaterThan(once.changeHigh as number)
  })

  test('the judge is decided at once when no number of rounds can decide: a baseline that never settled, or too few rounds', () => {
    const settledBase = run([{ id: 'a', rounds: rounds(33, 3, 10, 0) }]).cases[0]
    const busyBase = run([{ id: 'a', rounds: rounds(33, 3, 10, 0), settled: false }]).cases[0]
    const tinyBase = run([{ id: 'a', rounds: rounds(33, 3, 1, 0) }]).cases[0]
    const undecided = rounds(34, 3.3, 10, 0).map(samples => ({ samples, contention: 0 }))
    expect(caseJudge(settledBase, { rounds: 10, maxRounds: 40 }).judge(undecided)).toBe(false)
    expect(caseJudge(busyBase, { rounds: 10, maxRounds: 40 }).judge(undecided)).toBe(true)
    expect(caseJudge(tinyBase, { rounds: 10, maxRounds: 40 }).judge(undecided)).toBe(true)
    expect(caseJudge(settledBase, { rounds: 10, maxRounds: 40 }).looks).toBe(5)
  })

  // The false-alarm rate of the rule itself, on 400 pairs of generated unchanged runs with
  // busy rounds in the current one: none may be flagged (alpha is 0.01 over all looks, and
  // the threshold adds margin); and a 1.5x slowdown is flagged in every one.
  test('over 400 generated pairs: no unchanged case flagged, every 1.5x one flagged', () => {
    let falseAlarms = 0
    let detected = 0
    for (let i = 0; i < 400; i++) {
      const before = rounds(1000 + i, 3, 40, 0, 3).map(r => r[0])
      const same = rounds(5000 + i, 3, 12, 3, 3).map(r => r[0])
      const slow = rounds(9000 + i, 4.5, 12, 3, 3).map(r => r[0])
      if (decideRatio(before, same, 0.1, 0.002).verdict === 'slower') falseAlarms++
      if (decideRatio(before, slow, 0.1, 0.002).verdict === 'slower') detected++
    }
    expect({ falseAlarms, detected }).toEqual({ falseAlarms: 0, detected: 400 })
  })
})

describe('per task, from the same rounds', () => {
  const taskRounds = (seed: number, slowFactor: number): CaseResult['taskRounds'] => {
    const random = mulberry32(seed) as () => number
    const units = (ms: number): number[] => Array.from({ length: 12 }, () => ms * Math.exp(0.05 * (random() - 0.5)))
    return [
      { taskId: 'read', run: units(0.5), queueWait: units(0.05) },
      { taskId: 'transform', run: units(1.5 * slowFactor), queueWait: units(0.05) },
      { taskId: 'write', run: units(0.5), queueWait: units(0.05) }
    ]
  }

  // Fails when the per-task comparison is removed (no tasks, none named).
  test('the middle task made 1.5x slower is the one named, with its interval; the others are unchanged', () => {
    const baseline = run([{ id: 'p', rounds: rounds(41, 2.6, 12, 0), taskRounds: taskRounds(42, 1) }])
    const current = run([{ id: 'p', rounds: rounds(43, 3.35, 12, 0), taskRounds: taskRounds(44, 1.5) }])
    const [p] = compareRuns(baseline, current)
    expect(p.verdict).toBe('slower')
    expect(p.slowerTasks).toEqual(['transform'])
    const byId = Object.fromEntries((p.tasks ?? []).map(t => [t.taskId, t]))
    expect([byId.read.verdict, byId.transform.verdict, byId.write.verdict]).toEqual(['unchanged', 'slower', 'unchanged'])
    expect(byId.transform.runChange).toBeGreaterThan(0.45)
    expect(byId.transform.runChange).toBeLessThan(0.55)
    expect(byId.transform.runChangeLow).toBeGreaterThan(0.1)
    expect(byId.transform.queueWaitLow).toBeLessThan(0)
    expect(byId.transform.queueWaitHigh).toBeGreaterThan(0)
  })
})
