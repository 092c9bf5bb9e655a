import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { defineSuite } from '../dist/bench.js'
import { createWorkflow } from '../dist/index.js'

/**
 * `bench <module | folder | glob>`: which workflows and suites are found, and how a suite
 * module is checked. Small budgets: these tests are about discovery, not figures.
 */
const kCli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const kIndex = new URL('../dist/index.js', import.meta.url).href
const kBench = new URL('../dist/bench.js', import.meta.url).href
const kNoop = new URL('../workflows/shared/handlers.mjs#noop', import.meta.url).href
const kFast = ['--time', '40', '--min-samples', '2', '--concurrency', '1', '--threads', '1']
const slow = { timeout: 120_000 }

const workflow = (id: string): string =>
  `import { createWorkflow } from '${kIndex}'\nexport default createWorkflow('${id}').addTask('t', { handler: '${kNoop}' }).build()\n`
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graph-task-suites-'))
  await writeFile(join(dir, 'a.mjs'), workflow('alpha'))
  await writeFile(join(dir, 'b.mjs'), workflow('beta'))
  await writeFile(join(dir, 'helpers.mjs'), 'export function noop () {}\n')
  await writeFile(join(dir, 'suite.mjs'), `import { defineSuite } from '${kBench}'\nimport alpha from './a.mjs'\n` +
    'export default defineSuite({ workflows: [{ workflow: alpha, cases: { one: { input: 1 }, two: { input: 2 } } }] })\n')
})
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

function bench (args: readonly string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [kCli, 'bench', ...args], { cwd: dir, env: { ...process.env, GRAPH_TASK_MYSQL_URL: '' } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code), stdout, stderr })
    })
  })
}

const ids = (stdout: string): string[] => (JSON.parse(stdout) as { cases: Array<{ id: string }> }).cases.map(c => c.id)

describe('bench discovery', () => {
  test('a folder runs its suites and the workflows no suite covers, skipping modules with neither', slow, async () => {
    const r = await bench([dir, ...kFast, '--json'])
    expect(r.stderr).toBe('')
    expect(ids(r.stdout).sort()).toEqual(['alpha/one', 'alpha/two', 'beta/default'])
  })

  test('a suite sweeps its thread counts per case, concurrency following each count unless set', slow, async () => {
    const sweep = join(dir, 'sweep')
    await mkdir(sweep)
    onTestFinished(async () => { await rm(sweep, { recursive: true, force: true }) })
    await writeFile(join(sweep, 'suite.mjs'), `import { defineSuite } from '${kBench}'\nimport alpha from '../a.mjs'\n` +
      'export default defineSuite({ defaults: { time: 40, minSamples: 2, threads: [1, 2] }, workflows: [{ workflow: alpha, cases: { one: {} } }] })\n')
    const r = await bench([join(sweep, 'suite.mjs'), '--json'])
    const cases = (JSON.parse(r.stdout) as { cases: Array<{ id: string, threads: number, throughput: Array<{ concurrency: number }> }> }).cases
    expect(cases.map(c => [c.id, c.threads, c.throughput.map(t => t.concurrency)])).toEqual([['alpha/one@1t', 1, [1]], ['alpha/one@2t', 2, [1, 2]]])
  })

  test('a glob runs only the modules it matches', slow, async () => {
    const r = await bench([join(dir, 'b*.mjs'), ...kFast, '--json'])
    expect(ids(r.stdout)).toEqual(['beta/default'])
  })

  test('--markdown prints a table for a pull-request comment', slow, async () => {
    const r = await bench(['a.mjs', ...kFast, '--markdown'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('| Case | p50 | p99 |')
    expect(r.stdout).toContain('| `alpha/default` |')
  })

  test('on a terminal a live line per case shows its round, time and samples; --json keeps it quiet', slow, async () => {
    // script(1) runs the command on a pseudo-terminal, its output and errors in one stream.
    const onTty = (extra: string): Promise<string> => new Promise((resolve, reject) => {
      const command = `${process.execPath} ${kCli} bench a.mjs b.mjs ${kFast.join(' ')} ${extra}`
      execFile('script', ['-qec', command, '/dev/null'], { cwd: dir }, (err, stdout) => { err === null ? resolve(stdout) : reject(err) })
    })
    const shown = await onTty('')
    for (const id of ['alpha/default', 'beta/default']) expect(shown).toMatch(new RegExp(`\\r${id}  round \\d+  \\d+\\.\\ds  \\d+ samples`))
    const quiet = await onTty('--json')
    expect(quiet).not.toContain('samples\x1b')
    expect(ids(quiet)).toEqual(['alpha/default', 'beta/default'])
  })

  test('a path that matches nothing is misuse, named with its code', async () => {
    const r = await bench(['missing/*.mjs', '--json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('BENCH_NOTHING_FOUND: bench: missing/*.mjs matches no module')
  })

  test('--compare with a baseline never saved says how to save one', async () => {
    const r = await bench(['a.mjs', '--compare', 'nope', '--json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('BENCH_BASELINE_INVALID')
    expect(r.stderr).toContain('save one with --save nope')
  })

  // Fails when an inconclusive case passes the gate (exit 0) or counts as a regression (exit 1).
  test('--fail-on-regression exits 3 on an inconclusive case, saying why: a baseline of two rounds cannot reach the level', slow, async () => {
    expect((await bench(['a.mjs', ...kFast, '--save', 'tiny', '--json'])).code).toBe(0)
    const file = join(dir, '.graph-task', 'bench', 'tiny.json')
    const saved = JSON.parse(await readFile(file, 'utf8'))
    for (const c of saved.cases) {
      c.latency.rounds = c.latency.rounds.slice(0, 2)
      c.latency.fastest = c.latency.fastest.slice(0, 2)
    }
    await writeFile(file, JSON.stringify(saved))
    const r = await bench(['a.mjs', ...kFast, '--compare', 'tiny', '--fail-on-regression', '10', '--json'])
    const json = JSON.parse(r.stdout) as { comparisons: Array<{ verdict: string, reason: string, why: string }>, inconclusive: string[] }
    expect(json.comparisons.map(c => [c.verdict, c.reason])).toEqual([['inconclusive', 'too-few-samples']])
    expect(json.inconclusive).toEqual(['alpha/default'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('graph-task: 1 case inconclusive, possibly slower by more than 10%: alpha/default (2 baseline and ')
    expect(r.stderr).toContain('save the baseline again with more rounds')
  })

  test('defineSuite refuses unknown keys and bad settings, naming them', () => {
    const w = createWorkflow('w').addTask('t', { handler: kNoop }).build()
    expect(() => defineSuite({ workflow: [] } as never)).toThrow("unknown option 'workflow' in defineSuite(); did you mean 'workflows'?")
    expect(() => defineSuite({ workflows: [{ workflow: w, concurency: [2] } as never] }))
      .toThrow("unknown option 'concurency' in defineSuite() workflows[0]; did you mean 'concurrency'?")
    expect(() => defineSuite({ workflows: [{ workflow: w, threads: [0] }] })).toThrow('workflows[0].threads must be a non-empty array of positive integers')
    expect(() => defineSuite({ workflows: [{ workflow: w, cases: { a: { inputs: 1 } as never } }] })).toThrow("did you mean 'input'?")
  })
})
