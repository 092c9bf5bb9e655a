/**
 * The shape of a benchmark suite, and its expansion into cases.
 *
 * A suite module exports (default, or any export) what `defineSuite` returns:
 *
 *   defineSuite({
 *     defaults: { concurrency: [1, 4], time: 1000 },
 *     workflows: [
 *       { workflow: resize, cases: { small: { input: { px: 64 } }, large: { input: { px: 1024 } } } },
 *       { workflow: report, threads: [1, 4], minSamples: 50 }
 *     ]
 *   })
 *
 * A case is one workflow, one named input and one thread count; its concurrency
 * levels are swept within it (the throughput curve).
 */
import { InvalidOptionsError } from '../errors.js'
import { rejectUnknownKeys } from '../option-keys.js'
import { isWorkflow, type Workflow } from '../workflow/builder.js'

/** How long and how often a case is measured. Every field is optional. */
export interface BenchSettings {
  /**
   * Worker thread counts to run each case with; one case per count.
   * @default [available parallelism]
   */
  threads?: readonly number[]
  /**
   * Executions kept in flight, one throughput point per level.
   * @default [1, threads]
   */
  concurrency?: readonly number[]
  /**
   * Time budget of the latency measurement, ms (tinybench's `time`).
   * @default 1000
   */
  time?: number
  /**
   * Latency samples taken at least, even past `time` (tinybench's `iterations`).
   * @default 10
   */
  minSamples?: number
  /**
   * Rounds the latency samples are taken in, the cases taking turns (see latency.ts);
   * each round lasts `time / rounds`.
   * @default 10
   */
  rounds?: number
  /**
   * Rounds at most: a case whose rounds disagree on the floor (a busy machine) is given
   * more rounds, up to this many (see latency.ts).
   * @default rounds x 4
   */
  maxRounds?: number
  /**
   * Warm-up before anything is timed, ms: loads handlers in every worker.
   * @default min(500, time / 3)
   */
  warmup?: number
  /**
   * Time budget of each throughput point, ms.
   * @default time / 2
   */
  throughputTime?: number
}

/** One named input of a workflow. */
export interface BenchCase {
  /** The execution input. */
  input?: unknown
}

/** One workflow of a suite, with its cases and settings that override the suite's defaults. */
export interface SuiteEntry extends BenchSettings {
  workflow: Workflow
  /**
   * Named inputs; a case per name.
   * @default { default: { input: undefined } }
   */
  cases?: Readonly<Record<string, BenchCase>>
}

/** What a suite module exports. */
export interface SuiteDefinition {
  /** Shown in reports. @default the module's file name */
  name?: string
  /** Settings for every entry that does not set its own. */
  defaults?: BenchSettings
  workflows: readonly SuiteEntry[]
}

/** A suite once checked, marked so that the CLI recognises it among a module's exports. */
export type Suite = Readonly<SuiteDefinition> & { readonly [kSuite]: true }

/** Settings with every field resolved. */
type ResolvedSettings = Required<BenchSettings>

/** One workflow x input x thread count, ready to measure. */
export interface PlannedCase {
  /** `workflowId/caseName`, with `@Nt` when the workflow runs at several thread counts. */
  id: string
  workflow: Workflow
  caseName: string
  input: unknown
  threads: number
  concurrency: readonly number[]
  time: number
  minSamples: number
  rounds: number
  maxRounds: number
  warmup: number
  throughputTime: number
}

// Symbol.for: the CLI bundle and the library bundle a suite module imports are separate copies.
const kSuite = Symbol.for('graph-task.bench-suite')
const kSettingKeys = ['threads', 'concurrency', 'time', 'minSamples', 'rounds', 'maxRounds', 'warmup', 'throughputTime'] as const
const kEntryKeys = ['workflow', 'cases', ...kSettingKeys]
const kCaseKeys = ['input']

/**
 * Checks a suite definition and marks it as a suite.
 * @throws {InvalidOptionsError} on an unknown key, a missing workflow, or a setting that is not a positive number
 */
export function defineSuite (definition: SuiteDefinition): Suite {
  rejectUnknownKeys(definition, ['name', 'defaults', 'workflows'], 'defineSuite()')
  if (!Array.isArray(definition.workflows) || definition.workflows.length === 0) {
    throw new InvalidOptionsError('defineSuite(): workflows must be a non-empty array of { workflow, cases?, ... }')
  }
  if (definition.defaults !== undefined) checkSettings(definition.defaults, 'defineSuite() defaults')
  definition.workflows.forEach((entry, i) => {
    const where = `defineSuite() workflows[${i}]`
    rejectUnknownKeys(entry, kEntryKeys, where)
    if (!isWorkflow(entry.workflow)) throw new InvalidOptionsError(`${where}.workflow must be a built workflow (createWorkflow(...).build())`)
    checkSettings(entry, where)
    for (const [name, c] of Object.entries(entry.cases ?? {}) as Array<[string, unknown]>) {
      if (typeof c !== 'object' || c === null) throw new InvalidOptionsError(`${where}.cases.${name} must be an object { input }`)
      rejectUnknownKeys(c, kCaseKeys, `${where}.cases.${name}`)
    }
  })
  return Object.freeze({ ...definition, [kSuite]: true as const })
}

/** True for what `defineSuite` returned. */
export function isSuite (value: unknown): value is Suite {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kSuite] === true
}

function checkSettings (settings: BenchSettings, where: string): void {
  for (const key of ['threads', 'concurrency'] as const) {
    const list = settings[key]
    if (list !== undefined && (!Array.isArray(list) || list.length === 0 || !list.every(isPositiveInt))) {
      throw new InvalidOptionsError(`${where}.${key} must be a non-empty array of positive integers`)
    }
  }
  for (const key of ['time', 'minSamples', 'rounds', 'maxRounds', 'warmup', 'throughputTime'] as const) {
    const n = settings[key]
    if (n !== undefined && !isPositiveInt(n)) throw new InvalidOptionsError(`${where}.${key} must be a positive integer`)
  }
}

const isPositiveInt = (n: unknown): boolean => Number.isInteger(n) && (n as number) > 0

/**
 * The cases of a suite, each setting taken from (first wins) the command line's
 * overrides, the entry, the suite's defaults, then the built-in defaults.
 */
export function planSuite (suite: SuiteDefinition, overrides: BenchSettings, cores: number): PlannedCase[] {
  const planned: PlannedCase[] = []
  for (const entry of suite.workflows) {
    const { threads: threadCounts, concurrency, ...s } = resolveSettings([overrides, entry, suite.defaults ?? {}], cores)
    const cases = Object.entries(entry.cases ?? { default: {} })
    for (const threads of threadCounts) {
      for (const [caseName, c] of cases) {
        const suffix = threadCounts.length > 1 ? `@${threads}t` : ''
        planned.push({
          ...s,
          id: `${entry.workflow.id}/${caseName}${suffix}`,
          workflow: entry.workflow,
          caseName,
          input: c.input,
          threads,
          concurrency: concurrency.length > 0 ? concurrency : [...new Set([1, threads])]
        })
      }
    }
  }
  return planned
}

// The settings with fixed defaults; the others follow from these and the machine.
const kDefaultSettings = Object.freeze({ time: 1000, minSamples: 10, rounds: 10 })

/** The first layer that sets a key wins; `concurrency` stays empty when none does (it follows each thread count). */
function resolveSettings (layers: readonly BenchSettings[], cores: number): ResolvedSettings {
  const set: BenchSettings = {}
  for (const layer of [...layers].reverse()) {
    Object.assign(set, Object.fromEntries(kSettingKeys.filter(k => layer[k] !== undefined).map(k => [k, layer[k]])))
  }
  const s = { ...kDefaultSettings, ...set }
  return {
    threads: s.threads ?? [cores],
    concurrency: s.concurrency ?? [],
    time: s.time,
    minSamples: s.minSamples,
    rounds: s.rounds,
    maxRounds: Math.max(s.rounds, s.maxRounds ?? s.rounds * 4),
    warmup: s.warmup ?? Math.min(500, Math.ceil(s.time / 3)),
    throughputTime: s.throughputTime ?? Math.ceil(s.time / 2)
  }
}
