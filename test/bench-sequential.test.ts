import { describe, expect, test } from 'vitest'
import { compareRuns, type CaseResult } from '../dist/bench.js'
import { caseJudge } from '../src/bench/compare.js'
import { decideRatio, lookSchedule } from '../src/bench/verdict.js'
// @ts-expect-error plain .mjs fixture without types
import { mulberry32 } from '../workflows/shared/prng.mjs'
import { rounds, run } from './helpers/bench-samples.js'

/**
 * The sequential side of `--compare` and the per-task verdicts, on generated samples
 * (seeded, no timing involved): the looks and the alpha each spends, when the sampler's
 * judge gives up, the rule's error rates, and the task named from the same rounds.
 */
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
