/**
 * `graph-task bench <module | folder | glob> ...`: benchmarks the user's own workflows
 * and suites on this machine (src/bench/ does the work):
 *
 *   discover.ts    the modules, folders and globs -> suites (defineSuite) and bare workflows
 *   run-suites.ts  each case measured (measure.ts): latency, throughput curve, CPU efficiency,
 *                  main-thread utilisation, per-task queue wait and run, critical path
 *   baseline.ts    --save <name> / --compare <name | file>: .graph-task/bench/<name>.json
 *   compare.ts     each case's change, flagged only beyond the noise (rank interval + threshold);
 *                  with --compare, each case is sampled until its verdict is decided
 *   text-report.ts the table, or --markdown; html-report.ts --html <file>
 *
 * Exit codes: 0; 1 when an execution fails or, with --fail-on-regression, a case got
 * slower beyond the noise by more than the given percent; 2 on misuse; 3, with
 * --fail-on-regression and no case slower, when a case is inconclusive and may have got
 * slower by more than that percent.
 */
import { writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { loadRun, saveRun } from '../bench/baseline.js'
import { compareRuns, regressions, unresolved, type CaseComparison } from '../bench/compare.js'
import { discoverSuites } from '../bench/discover.js'
import { renderHtml } from '../bench/html-report.js'
import { CaseProgress } from '../bench/progress.js'
import type { BenchRun } from '../bench/results.js'
import { runSuites } from '../bench/run-suites.js'
import { renderMarkdown, renderTable } from '../bench/text-report.js'
import type { BenchSettings } from '../bench/suite.js'
import { EngineError, ErrorCodes } from '../errors.js'
import { registerTypeScript } from '../typescript.js'
import type { Command } from './command.js'
import { kJsonFlags, kStorageFlags, kWorkflowFlags, parseInput, parsePositiveInt, toJson, UsageError } from './common.js'
import { openStorage } from './storage.js'
import { isTypeScriptFile } from '../typescript.js'

interface BenchFlags {
  input?: string
  threads?: string
  json?: boolean
  concurrency?: string
  time?: string
  'min-samples'?: string
  mysql?: string
  save?: string
  compare?: string
  'fail-on-regression'?: string
  threshold?: string
  html?: string
  markdown?: boolean
  typescript?: boolean
}

/** What `--json` prints: the run, and with --compare the comparison of each case. */
interface BenchJson extends BenchRun {
  comparisons?: CaseComparison[]
  regressions?: string[]
  /** With --fail-on-regression: the inconclusive cases that may have got slower by more than its percent. */
  inconclusive?: string[]
}

/** Exit code of `bench --fail-on-regression` when no case is slower but some are inconclusive. */
export const kExitInconclusive = 3

/** `graph-task bench <module | folder | glob>...`. */
export const benchCommand: Command = {
  name: 'bench',
  args: '<module|folder|glob>...',
  summary: 'Benchmarks workflows and suites on this machine; saves baselines and compares with them.',
  flags: {
    input: kWorkflowFlags.input,
    threads: { type: 'string', value: 'n,..', help: 'worker thread counts to sweep, comma-separated (default: available parallelism)' },
    concurrency: { type: 'string', value: 'n,..', help: 'executions in flight, one throughput point each (default: 1 and the thread count)' },
    time: { type: 'string', value: 'ms', help: 'latency sampling per case, over all its rounds (default: 1000)' },
    'min-samples': { type: 'string', value: 'n', help: 'latency samples per case at least (default: 10)' },
    save: { type: 'string', value: 'name', help: 'keep the results as baseline <name> (.graph-task/bench/<name>.json)' },
    compare: { type: 'string', value: 'name|file', help: 'compare each case with a saved baseline' },
    threshold: { type: 'string', value: '%', help: 'smallest change that counts (default: 10)' },
    'fail-on-regression': {
      type: 'string',
      value: '%',
      help: 'exit 1 when a case got slower by more than this beyond the noise; else exit 3 when a case is inconclusive ' +
        '(too few samples to reach the test\'s level, an interval still spanning the threshold, or a side that never settled)'
    },
    html: { type: 'string', value: 'file', help: 'write a self-contained HTML report' },
    markdown: { type: 'boolean', help: 'print markdown (for a pull-request comment) instead of the table' },
    typescript: kWorkflowFlags.typescript,
    ...kJsonFlags,
    ...kStorageFlags
  },
  run: (args, flags) => bench(args, flags as BenchFlags)
}

/**
 * Runs the suites and prints the results.
 * @returns the exit code
 * @throws {UsageError} on a missing argument or a bad flag
 */
async function bench (args: string[], flags: BenchFlags): Promise<number> {
  if (args.length === 0) throw new UsageError('bench needs a workflow module, a suite module, a folder or a glob')
  const overrides: BenchSettings = {
    threads: parseList('threads', flags.threads),
    concurrency: parseList('concurrency', flags.concurrency),
    time: parsePositiveInt('time', flags.time),
    minSamples: parsePositiveInt('min-samples', flags['min-samples'])
  }
  const failPercent = parsePercent('fail-on-regression', flags['fail-on-regression'])
  const threshold = parsePercent('threshold', flags.threshold)
  if (failPercent !== undefined && flags.compare === undefined) throw new UsageError('--fail-on-regression needs --compare <baseline>')
  const baseline = flags.compare === undefined ? undefined : await misuse(loadRun(flags.compare))
  const compareOptions = threshold === undefined ? {} : { threshold: threshold / 100 }
  const typescript = flags.typescript === true || args.some(isTypeScriptFile)
  if (typescript) await registerTypeScript()
  const suites = await misuse(discoverSuites(args, await parseInput(flags.input)))
  const quiet = flags.json === true
  let run: BenchRun
  try {
    run = await runSuites(suites, {
      overrides: Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
      openStorage: async () => await openStorage(flags.mysql),
      storageKind: (flags.mysql ?? process.env.GRAPH_TASK_MYSQL_URL ?? '') === '' ? 'memory' : 'mysql',
      progress: new CaseProgress(quiet),
      cores: availableParallelism(),
      engineOptions: { typescript },
      // A baseline is sampled over maxRounds: comparisons with it then have that many units.
      sampling: baseline !== undefined ? { baseline, options: compareOptions } : flags.save !== undefined ? 'full' : undefined
    })
  } catch (err) {
    if (err instanceof EngineError && err.code === ErrorCodes.BENCH_EXECUTION_FAILED) {
      process.stderr.write(`graph-task: ${err.message}\n`)
      return 1
    }
    throw err
  }
  const comparisons = baseline === undefined ? undefined : compareRuns(baseline, run, compareOptions)
  const failed = comparisons === undefined || failPercent === undefined ? [] : regressions(comparisons, failPercent)
  const undecided = comparisons === undefined || failPercent === undefined ? [] : unresolved(comparisons, failPercent)

  if (flags.save !== undefined) {
    const path = await saveRun(run, flags.save)
    if (!quiet) process.stderr.write(`saved baseline "${flags.save}" to ${path}\n`)
    const busy = run.cases.filter(c => !c.latency.settled).map(c => c.id)
    if (busy.length > 0) {
      process.stderr.write(`graph-task: warning: ${busy.join(', ')} never settled (the machine was busy throughout); ` +
        'comparisons with this baseline will be inconclusive: save it again on a quieter machine\n')
    }
  }
  if (flags.html !== undefined) await writeFile(flags.html, renderHtml(run, comparisons, baseline))
  const out = quiet
    ? toJson({
      ...run,
      ...(comparisons !== undefined && { comparisons }),
      ...(failPercent !== undefined && { regressions: failed.map(c => c.id), inconclusive: undecided.map(c => c.id) })
    } satisfies BenchJson)
    : flags.markdown === true ? renderMarkdown(run, comparisons, baseline) : renderTable(run, comparisons)
  process.stdout.write(out + '\n')
  if (failed.length > 0) {
    process.stderr.write(`graph-task: ${failed.length} case${failed.length === 1 ? '' : 's'} slower by more than ${failPercent}% ` +
      `beyond the noise: ${failed.map(c => `${c.id} (${((c.change ?? 0) * 100).toFixed(1)}%` +
        `${(c.slowerTasks ?? []).length > 0 ? `; slower: ${(c.slowerTasks ?? []).join(', ')}` : ''})`).join(', ')}\n`)
    return 1
  }
  if (undecided.length > 0) {
    process.stderr.write(`graph-task: ${undecided.length} case${undecided.length === 1 ? '' : 's'} inconclusive, possibly slower by more than ` +
      `${failPercent}%: ${undecided.map(c => `${c.id} (${c.why ?? c.reason ?? ''})`).join('; ')}\n`)
    return kExitInconclusive
  }
  return 0
}

/** A path that finds nothing, or a baseline never saved, is a wrong argument: exit 2 with the error's code. */
async function misuse<T> (pending: Promise<T>): Promise<T> {
  try {
    return await pending
  } catch (err) {
    if (err instanceof EngineError && (err.code === ErrorCodes.BENCH_NOTHING_FOUND || err.code === ErrorCodes.BENCH_BASELINE_INVALID)) {
      throw new UsageError(`${err.code}: ${err.message}`)
    }
    throw err
  }
}

/** `--threads 1,2,4`: positive integers, comma-separated. */
function parseList (name: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined
  return text.split(',').map(part => {
    const n = parsePositiveInt(name, part.trim())
    if (n === undefined) throw new UsageError(`--${name} must list positive integers, got "${text}"`)
    return n
  })
}

function parsePercent (name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text.replace(/%$/, ''))
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a percentage (a number, 0 or more), got "${text}"`)
  return n
}
