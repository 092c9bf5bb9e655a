/**
 * Calibration of `graph-task bench --compare` with its default settings: how often an
 * unchanged case is flagged slower (false alarm, target at most 0.01) and how often a
 * case whose work grew 1.5x is flagged slower (detection, target at least 0.95), with a
 * busy process beside the run.
 *
 * 1. Record (real runs, through the CLI as a user runs it): the suite of
 *    scripts/calibration/ measured in many rounds of the default length (100 ms), three
 *    times: unchanged on the machine as it is, then unchanged and 1.5x slower each with a
 *    busy process this script starts beside it (a spin loop, one core's worth).
 * 2. Replay: each trial draws rounds at random from those recordings, a baseline (as
 *    `--save` samples it: 40 rounds) and a current run sampled the
 *    way `--compare` samples it (looks at 10, 15, 23, 35, 40 rounds, stopping once decided),
 *    and takes the verdict of compareRuns, the code the CLI runs.
 * Drawing rounds independently leaves out how load bursts span neighbouring rounds; the
 * recordings themselves are real rounds under that load.
 * 3. With --real N: N real `--compare` runs of each kind, unchanged and 1.5x slower, with
 *    the default settings and a busy process beside, against a baseline saved before.
 *
 *   npx tsup --silent && node --import tsx scripts/bench-calibration.ts [--trials 2000]
 *        [--rounds 120] [--replay bench/results/calibration-rounds.json] [--real 10]
 *
 * Writes bench/results/calibration-rounds.json (the recordings) and prints the README's table.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { caseJudge, compareRuns } from '../src/bench/compare.js'
import { settled, type Round } from '../src/bench/latency.js'
import type { BenchRun, CaseResult } from '../src/bench/results.js'
import { lookSchedule } from '../src/bench/verdict.js'
// @ts-expect-error plain .mjs without types
import { mulberry32 } from '../workflows/shared/prng.mjs'

const kRoot = resolve(fileURLToPath(new URL('..', import.meta.url)))
const kCli = join(kRoot, 'dist', 'cli.js')
const kSuite = join(kRoot, 'scripts', 'calibration', 'suite.mjs')
const kDefaults = { rounds: 10, maxRounds: 40 }

/** One recording: per case, its rounds (each round's fastest first, then its kept samples). */
interface Recording {
  label: string
  load: [number, number]
  cases: Record<string, number[][]>
}

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '120' },
    replay: { type: 'string' },
    real: { type: 'string', default: '0' },
    out: { type: 'string', default: join(kRoot, 'bench', 'results', 'calibration-rounds.json') }
  }
})

/** Runs the CLI on the calibration suite in `dir`; resolves with its stdout whatever the exit code. */
function cli (dir: string, args: readonly string[], slow: boolean, rounds?: string): Promise<string> {
  return new Promise(resolve => {
    execFile(process.execPath, [kCli, 'bench', kSuite, ...args], {
      cwd: dir,
      maxBuffer: 1 << 28,
      env: { ...process.env, GRAPH_TASK_MYSQL_URL: '', GRAPH_TASK_CALIBRATION_SLOW: slow ? '1' : '0', GRAPH_TASK_CALIBRATION_ROUNDS: rounds ?? '' }
    }, (_err, stdout) => resolve(stdout))
  })
}

const busyProcess = (): ChildProcess => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' })

/** Runs the suite through the CLI with `--save`, and returns its cases' rounds. */
async function record (label: string, slow: boolean, busy: boolean): Promise<Recording> {
  const dir = mkdtempSync(join(tmpdir(), 'graph-task-calibration-'))
  const spinner = busy ? busyProcess() : undefined
  const load0 = loadavg()[0]
  try {
    await cli(dir, ['--save', 'rec', '--json'], slow, args.rounds)
    const run = JSON.parse(readFileSync(join(dir, '.graph-task', 'bench', 'rec.json'), 'utf8')) as BenchRun
    const cases = Object.fromEntries(run.cases.map(c => [c.id, c.latency.rounds.map((r, i) => [c.latency.fastest?.[i] ?? Math.min(...r), ...r])]))
    process.stderr.write(`recorded ${label}: ${run.cases.map(c => `${c.id} ${c.latency.rounds.length} rounds`).join(', ')}\n`)
    return { label, load: [load0, loadavg()[0]], cases }
  } finally {
    spinner?.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** N real comparisons of each kind beside a busy process, against a baseline saved as the machine is: verdicts counted per case. */
async function realRuns (n: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'graph-task-calibration-'))
  const counts = new Map<string, Record<string, number>>()
  const count = (kind: string, json: string): void => {
    for (const c of (JSON.parse(json) as { comparisons: Array<{ id: string, verdict: string, reason?: string }> }).comparisons) {
      const key = `${kind}|${c.id}`
      const row = counts.get(key) ?? { slower: 0, faster: 0, unchanged: 0, inconclusive: 0, 'too-few-samples': 0, undecided: 0, unsettled: 0 }
      row[c.verdict]++
      if (c.reason !== undefined) row[c.reason]++
      counts.set(key, row)
    }
  }
  try {
    await cli(dir, ['--save', 'base', '--json'], false)
    const spinner = busyProcess()
    try {
      for (let i = 0; i < n; i++) {
        count('unchanged', await cli(dir, ['--compare', 'base', '--json'], false))
        count('1.5x slower', await cli(dir, ['--compare', 'base', '--json'], true))
        process.stderr.write(`real comparisons: ${i + 1} of ${n} of each kind\n`)
      }
    } finally {
      spinner.kill()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const lines = ['| Current run, busy process beside | Case | Slower | Unchanged | Faster | Inconclusive (undecided, unsettled) |', '| --- | --- | --- | --- | --- | --- |']
  for (const [key, c] of counts) {
    const [kind, id] = key.split('|')
    lines.push(`| ${kind} | \`${id}\` | ${c.slower} | ${c.unchanged} | ${c.faster} | ${c.inconclusive} (${c.undecided}, ${c.unsettled}) |`)
  }
  return lines.join('\n')
}

type Draw = () => Round

/** A case's latency as the sampler would leave it: rounds drawn until a look where it settled and its judge decided. */
function sample (draw: Draw, judge: (rounds: readonly Round[]) => boolean): Round[] {
  const looks = new Set(lookSchedule(kDefaults.rounds, kDefaults.maxRounds))
  const rounds: Round[] = []
  while (rounds.length < kDefaults.maxRounds) {
    rounds.push(draw())
    if (looks.has(rounds.length) && settled(rounds) && judge(rounds)) break
  }
  return rounds
}

function asCase (id: string, rounds: readonly Round[], looks: number): CaseResult {
  return {
    id,
    latency: { rounds: rounds.map(r => r.samples), fastest: rounds.map(r => Math.min(...r.samples)), settled: settled(rounds), looks }
  } as unknown as CaseResult
}

function asRun (c: CaseResult): BenchRun {
  return { format: 1, environment: {} as BenchRun['environment'], cases: [c] }
}

/** The verdicts of `trials` replayed comparisons of a case: baseline drawn from `before`, current from `after`. */
function replay (id: string, before: number[][], after: number[][], trials: number, seed: number): Record<string, number> {
  const random = mulberry32(seed) as () => number
  const drawer = (pool: number[][]): Draw => () => ({ samples: pool[Math.floor(random() * pool.length)], contention: 0 })
  const counts: Record<string, number> = { slower: 0, faster: 0, unchanged: 0, inconclusive: 0, rounds: 0, 'too-few-samples': 0, undecided: 0, unsettled: 0 }
  for (let t = 0; t < trials; t++) {
    // A saved baseline is sampled over maxRounds (--save).
    const baseline = asCase(id, sample(drawer(before), () => false), 1)
    const { judge, looks } = caseJudge(baseline, kDefaults)
    const current = sample(drawer(after), judge)
    const [cmp] = compareRuns(asRun(baseline), asRun(asCase(id, current, looks)))
    counts[cmp.verdict]++
    if (cmp.reason !== undefined) counts[cmp.reason]++
    counts.rounds += current.length
  }
  return counts
}

/** Wilson 95% interval of a proportion. */
function wilson (k: number, n: number): [number, number] {
  const z = 1.96
  const p = k / n
  const mid = (p + z * z / (2 * n)) / (1 + z * z / n)
  const half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
  return [Math.max(0, mid - half), Math.min(1, mid + half)]
}

const rate = (k: number, n: number): string => {
  const [lo, hi] = wilson(k, n)
  return `${(k / n).toFixed(4)} [${lo.toFixed(4)}, ${hi.toFixed(4)}]`
}

async function main (): Promise<void> {
  let recordings: Recording[]
  if (args.replay !== undefined) {
    recordings = JSON.parse(readFileSync(args.replay, 'utf8')) as Recording[]
  } else {
    recordings = [
      await record('unchanged, as the machine is', false, false),
      await record('unchanged, busy process beside', false, true),
      await record('1.5x slower, busy process beside', true, true)
    ]
    writeFileSync(args.out, JSON.stringify(recordings) + '\n')
    process.stderr.write(`wrote ${args.out}\n`)
  }
  const trials = Number(args.trials)
  const [quiet, busy, slow] = recordings
  const scenarios = [
    { name: 'false alarm: baseline as the machine is, current unchanged beside a busy process', before: quiet, after: busy, flag: 'slower' },
    { name: 'false alarm: both beside a busy process', before: busy, after: busy, flag: 'slower' },
    { name: 'detection: baseline as the machine is, current 1.5x slower beside a busy process', before: quiet, after: slow, flag: 'slower' },
    { name: 'detection: both beside a busy process, current 1.5x slower', before: busy, after: slow, flag: 'slower' }
  ]
  const lines = ['| Scenario | Case | Flagged slower [95% CI] | Unchanged | Inconclusive (undecided, unsettled) | Mean rounds |', '| --- | --- | --- | --- | --- | --- |']
  let seed = 1
  for (const s of scenarios) {
    for (const id of Object.keys(s.after.cases)) {
      const counts = replay(id, s.before.cases[id], s.after.cases[id], trials, seed++)
      const share = (k: string): string => (counts[k] / trials).toFixed(3)
      lines.push(`| ${s.name} | \`${id}\` | ${rate(counts[s.flag], trials)} | ${share('unchanged')} | ` +
        `${share('inconclusive')} (${share('undecided')}, ${share('unsettled')}) | ${(counts.rounds / trials).toFixed(1)} |`)
    }
  }
  const loads = recordings.map(r => `${r.label}: load ${r.load[0].toFixed(1)}-${r.load[1].toFixed(1)}`).join('; ')
  process.stdout.write(`${trials} replayed comparisons per row, default settings (threshold 10%, alpha 0.01). Recordings: ${loads}.\n\n${lines.join('\n')}\n`)
  const real = Number(args.real)
  if (real > 0) {
    const load0 = loadavg()[0]
    const table = await realRuns(real)
    process.stdout.write(`\n${real} real comparisons of each kind, default settings, load ${load0.toFixed(1)}-${loadavg()[0].toFixed(1)}:\n\n${table}\n`)
  }
}

await main()
