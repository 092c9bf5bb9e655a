import { describe, expect, test } from 'vitest'
import { sampleInRounds, type Round, type RoundListener } from '../src/bench/latency.js'
import type { PlannedCase } from '../src/bench/suite.js'

/**
 * Adaptive sampling (latency.ts): with a baseline, a case goes on past its `rounds`, at
 * the looks of its schedule (10, 15, 23, 35, 40), until its comparison is decided or its
 * `maxRounds` are spent. The judge here is a stub that counts rounds, so what is asserted
 * is round counts, never timings; the executions are no-ops.
 */
const quiet: RoundListener = { start: () => {}, sample: () => {}, end: () => {} }

function planned (id: string): PlannedCase {
  return {
    id,
    caseName: 'default',
    workflow: undefined as never,
    input: undefined,
    threads: 1,
    concurrency: [1],
    time: 40,
    minSamples: 2,
    rounds: 10,
    maxRounds: 40,
    warmup: 1,
    throughputTime: 1
  }
}

const noop = async (): Promise<void> => {}

describe('adaptive sampling', () => {
  // Fails when the sampler stops every case after `rounds` (or once settled) without asking its judge.
  test('a case goes on until its judge decides, asked only at the looks of its schedule', async () => {
    const asked: number[] = []
    const decidedFrom23 = (rounds: readonly Round[]): boolean => { asked.push(rounds.length); return rounds.length >= 23 }
    const never = (): boolean => false
    const [judged, undecided, unjudged] = await sampleInRounds(
      [{ c: planned('a'), once: noop }, { c: planned('b'), once: noop }, { c: planned('c'), once: noop }],
      quiet, [decidedFrom23, never, undefined])
    // Decided at 23; a later look (35, 40) only if its rounds had not settled by then.
    expect([23, 35, 40]).toContain(judged.length)
    expect(asked.every(n => [10, 15, 23, 35, 40].includes(n))).toBe(true)
    // It stopped at the look that decided it, or at maxRounds.
    expect(judged.length === 40 || asked.at(-1) === judged.length).toBe(true)
    expect(undecided).toHaveLength(40)
    // Without a baseline: only settling keeps a case going.
    expect([10, 15, 23, 35, 40]).toContain(unjudged.length)
  })

  test('a decided judge at the first look stops the case there once settled; the runner\'s round data is kept', async () => {
    let reads = 0
    const [r] = await sampleInRounds([{ c: planned('a'), once: noop, endRound: async () => ++reads }], quiet, [() => true])
    expect([10, 15, 23, 35, 40]).toContain(r.length)
    expect(r.map(round => round.extra)).toEqual(Array.from({ length: r.length }, (_, i) => i + 1))
  })
})
