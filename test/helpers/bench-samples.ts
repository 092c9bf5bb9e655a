/**
 * Generated benchmark runs for the tests of the comparison: seeded, so every run of a
 * test sees the same samples.
 */
import type { BenchRun, CaseResult } from '../../dist/bench.js'
// @ts-expect-error plain .mjs fixture without types
import { mulberry32 } from '../../workflows/shared/prng.mjs'

/** Rounds of `perRound` latency samples around `median` ms: a quiet skewed spread, plus busy rounds far above. */
export function rounds (seed: number, median: number, quiet: number, busy: number, perRound = 40): number[][] {
  const random = mulberry32(seed) as () => number
  const round = (factor: number): number[] =>
    Array.from({ length: perRound }, () => median * factor * Math.exp(0.08 * (random() + random() + random() - 1.5))).sort((a, b) => a - b)
  return [...Array.from({ length: quiet }, () => round(1)), ...Array.from({ length: busy }, (_, i) => round(2 + i))]
}

export interface CaseSpec {
  id: string
  rounds: number[][]
  settled?: boolean
  looks?: number
  taskRounds?: CaseResult['taskRounds']
}

export function run (cases: CaseSpec[]): BenchRun {
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
