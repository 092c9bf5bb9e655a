import { spawn } from 'node:child_process'
import { readFile, writeFile, copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import type { CaseComparison } from '../dist/bench.js'
import { packedConsumer, type PackedConsumer } from './helpers/packed.js'

/**
 * `graph-task bench --save / --compare / --fail-on-regression`, run as a user runs it: from
 * the packed package installed in a consumer project, on a suite of three workflows
 * (test/fixtures/bench-consumer) with the default latency settings. The box running this
 * is shared and loaded, so the unchanged comparison runs three times: none of them may
 * flag a case; and the slowed one runs with a busy process of the test's own beside it.
 */
const kFixture = fileURLToPath(new URL('./fixtures/bench-consumer/', import.meta.url))
const kCases = ['pipeline/default', 'fan/small', 'fan/large', 'single/default']
const slow = { timeout: 360_000 }

interface CompareJson {
  comparisons: CaseComparison[]
  regressions: string[]
  inconclusive: string[]
}

let consumer: PackedConsumer

beforeAll(async () => {
  consumer = await packedConsumer()
  for (const file of ['suite.mjs', 'handlers.mjs', 'slow.mjs']) await copyFile(join(kFixture, file), join(consumer.dir, file))
  // A baseline measured while the box was busy throughout says so (it never settled) and
  // would make every later verdict 'noisy': measure it again, a bounded number of times.
  let saved = await consumer.cli(['bench', 'suite.mjs', '--save', 'main', '--json'])
  for (let attempt = 1; attempt < 3 && saved.stderr.includes('never settled'); attempt++) {
    saved = await consumer.cli(['bench', 'suite.mjs', '--save', 'main', '--json'])
  }
  expect(saved.stderr).toBe('')
  expect(saved.code).toBe(0)
}, 240_000)

afterAll(async () => { await consumer?.remove() })

async function compare (percent = '50'): Promise<{ code: number, json: CompareJson, stderr: string }> {
  const r = await consumer.cli(['bench', 'suite.mjs', '--compare', 'main', '--fail-on-regression', percent, '--json'])
  return { code: r.code, json: JSON.parse(r.stdout) as CompareJson, stderr: r.stderr }
}

describe('bench baselines from the packed package', () => {
  test('the saved baseline holds every case with its samples and the environment', async () => {
    const saved = JSON.parse(await readFile(join(consumer.dir, '.graph-task', 'bench', 'main.json'), 'utf8'))
    expect(saved.cases.map((c: { id: string }) => c.id)).toEqual(kCases)
    expect(saved.environment).toMatchObject({ node: process.version, graphTaskVersion: '0.1.0', storage: 'memory' })
    expect(saved.environment.cores).toBeGreaterThan(0)
    expect(saved.environment.cpuModel).not.toBe('')
    // The consumer project is not a git checkout.
    expect(saved.environment.commit).toBeUndefined()
    for (const c of saved.cases) {
      // A baseline is sampled over maxRounds (4 x the default 10), one unit per round.
      expect(c.latency.fastest).toHaveLength(40)
      expect(c.taskRounds.map((t: { taskId: string, run: unknown[] }) => [t.taskId, t.run.length])).toEqual(c.taskTimings.map((t: { taskId: string }) => [t.taskId, 40]))
      for (const t of c.throughput) expect(t.executions).toBeGreaterThanOrEqual(20)
      expect(c.throughput.map((t: { concurrency: number }) => t.concurrency)).toEqual([1, 2])
      expect(c.threads).toBe(2)
      // Every task measured; the spin handlers take their time in the worker.
      for (const t of c.taskTimings) expect({ task: t.taskId, ran: t.run > 0.2 }).toEqual({ task: t.taskId, ran: true })
    }
    const paths = Object.fromEntries(saved.cases.map((c: { id: string, criticalPath: string[] }) => [c.id, c.criticalPath]))
    expect(paths['pipeline/default']).toEqual(['read', 'transform', 'write'])
    // left or right, whichever waited longer on this busy box, but always through the split and the join.
    expect(paths['fan/small']).toHaveLength(3)
    expect([paths['fan/small'][0], paths['fan/small'][2]]).toEqual(['split', 'join'])
  })

  test('comparing the unchanged suite flags no case, three times over', slow, async () => {
    for (let run = 0; run < 3; run++) {
      const { code, json, stderr } = await compare()
      const flagged = json.comparisons.filter(c => c.verdict === 'slower' || c.verdict === 'faster')
      expect({ run, flagged }).toEqual({ run, flagged: [] })
      expect(json.comparisons.map(c => c.id)).toEqual(kCases)
      expect(json.regressions).toEqual([])
      // Inconclusive (exit 3) is allowed on this box, never silently: it names the cases.
      const inconclusive = json.comparisons.filter(c => c.verdict === 'inconclusive' && (c.changeHigh === undefined || c.changeHigh > 0.5 || c.reason !== 'undecided'))
      expect({ run, code, listed: json.inconclusive }).toEqual({ run, code: inconclusive.length > 0 ? 3 : 0, listed: inconclusive.map(c => c.id) })
      if (code === 0) expect(stderr).toBe('')
      else expect(stderr).toMatch(/inconclusive, possibly slower by more than 50%/)
    }
  })

  // Fails when the per-task comparison is removed (no task named), and when the default
  // settings do not reach the slower verdict beside the busy process.
  test('the middle task made 1.5x slower, a busy process beside: the case fails --fail-on-regression 10, naming the task', slow, async () => {
    const path = join(consumer.dir, 'slow.mjs')
    const original = await readFile(path, 'utf8')
    onTestFinished(async () => { await writeFile(path, original) })
    await writeFile(path, original.replace('const kMicros = 4500', 'const kMicros = 6750'))
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })
    onTestFinished(() => { busy.kill() })

    // 'inconclusive' says the box was too busy to tell (see the README): measure again, a
    // bounded number of times; 'unchanged' is never retried.
    let { code, json, stderr } = await compare('10')
    for (let attempt = 1; attempt < 4 && json.comparisons.some(c => c.id === 'pipeline/default' && c.verdict === 'inconclusive'); attempt++) {
      ({ code, json, stderr } = await compare('10'))
    }
    const verdicts = Object.fromEntries(json.comparisons.map(c => [c.id, c.verdict]))
    expect(verdicts['pipeline/default']).toBe('slower')
    for (const id of kCases.slice(1)) expect(verdicts[id]).not.toBe('slower')
    expect(json.regressions).toEqual(['pipeline/default'])
    const pipeline = json.comparisons.find(c => c.id === 'pipeline/default')
    // read 1.5 ms + transform 4.5 -> 6.75 ms + write 1.5 ms: about +30%.
    expect(pipeline?.changeLow).toBeGreaterThan(0.1)
    expect(pipeline?.slowerTasks).toContain('transform')
    const transform = pipeline?.tasks?.find(t => t.taskId === 'transform')
    expect(transform?.runChange).toBeGreaterThan(0.3)
    expect(code).toBe(1)
    expect(stderr).toMatch(/1 case slower by more than 10% beyond the noise: pipeline\/default \(\+?[\d.]+%; slower: [\w, ]*transform/)
  })
})
