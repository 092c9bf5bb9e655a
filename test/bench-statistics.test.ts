import { describe, expect, test } from 'vitest'
import { compareRuns, type BenchRun, type CaseResult } from '../dist/bench.js'
// @ts-expect-error plain .mjs fixture without types
import { mulberry32 } from '../workflows/shared/prng.mjs'

/**
 * The decision behind `--compare`, on synthetic samples (no timing involved): a rank test
 * on the floor rounds, a 95% interval of the change that must clear the threshold, and
 * `noisy` instead of a verdict when a side never settled.
 */

/** Rounds of latency samples around `median` ms: a quiet skewed spread, plus busy rounds far above. */
function rounds (seed: number, median: number, quiet: number, busy: number): number[][] {
  const random = mulberry32(seed) as () => number
  const round = (factor: number): number[] =>
    Array.from({ length: 40 }, () => median * factor * Math.exp(0.08 * (random() + random() + random() - 1.5))).sort((a, b) => a - b)
  return [...Array.from({ length: quiet }, () => round(1)), ...Array.from({ length: busy }, (_, i) => round(2 + i))]
}

function run (cases: Array<{ id: string, rounds: number[][], settled?: boolean }>): BenchRun {
  return {
    format: 1,
    environment: { node: 'v20', platform: 'linux-x64', cpuModel: 'cpu', cores: 2, loadAverage: [0, 0], graphTaskVersion: '0', storage: 'memory', date: '' },
    cases: cases.map(c => ({
      id: c.id,
      latency: { rounds: c.rounds, settled: c.settled ?? true, contention: c.rounds.map(() => 0) }
    } as unknown as CaseResult))
  }
}

describe('comparing runs', () => {
  test('the same distribution is unchanged, even when the current run had busy rounds', () => {
    const baseline = run([{ id: 'a', rounds: rounds(1, 3, 4, 0) }])
    const current = run([{ id: 'a', rounds: rounds(2, 3, 2, 6) }])
    const [a] = compareRuns(baseline, current)
    expect(a.verdict).toBe('unchanged')
    expect(a.changeLow).toBeLessThan(0.1)
    expect(a.changeHigh).toBeGreaterThan(-0.1)
  })

  test('a shift beyond the threshold is flagged with its interval, a small real one is not', () => {
    const baseline = run([{ id: 'big', rounds: rounds(3, 3, 4, 1) }, { id: 'small', rounds: rounds(4, 3, 4, 1) }])
    const current = run([{ id: 'big', rounds: rounds(5, 3 * 1.5, 4, 1) }, { id: 'small', rounds: rounds(6, 3 * 1.04, 4, 1) }])
    const [big, small] = compareRuns(baseline, current)
    expect(big.verdict).toBe('slower')
    expect(big.change).toBeGreaterThan(0.4)
    expect(big.change).toBeLessThan(0.6)
    expect(big.changeLow).toBeLessThan(big.change as number)
    expect(big.changeHigh).toBeGreaterThan(big.change as number)
    expect(big.p).toBeLessThan(0.001)
    // 4% is detectable with these samples, but under the 10% threshold.
    expect(small.verdict).toBe('unchanged')
    expect(compareRuns(baseline, current, { threshold: 0.01 })[1].verdict).toBe('slower')
  })

  test('faster, new and missing cases are named as such', () => {
    const baseline = run([{ id: 'x', rounds: rounds(7, 4, 3, 0) }, { id: 'gone', rounds: rounds(8, 1, 3, 0) }])
    const current = run([{ id: 'x', rounds: rounds(9, 2, 3, 0) }, { id: 'added', rounds: rounds(10, 1, 3, 0) }])
    expect(compareRuns(baseline, current).map(c => [c.id, c.verdict])).toEqual([['x', 'faster'], ['added', 'new'], ['gone', 'missing']])
  })

  test('a change measured on a side that never settled is noisy, not a verdict', () => {
    const baseline = run([{ id: 'a', rounds: rounds(11, 3, 4, 0) }])
    const current = run([{ id: 'a', rounds: rounds(12, 6, 0, 5), settled: false }])
    expect(compareRuns(baseline, current)[0].verdict).toBe('noisy')
  })

  test('options are checked: unknown keys and thresholds out of range are refused', () => {
    const r = run([{ id: 'a', rounds: rounds(13, 3, 2, 0) }])
    expect(() => compareRuns(r, r, { treshold: 0.1 } as never)).toThrow("unknown option 'treshold' in compareRuns(); did you mean 'threshold'?")
    expect(() => compareRuns(r, r, { alpha: 1.5 })).toThrow('alpha must be between 0 and 1')
  })
})
