/**
 * What every scenario writes: one JSON file per scenario under bench/results/,
 * rows of figures each set against a baseline measured in the same process run.
 * scripts/render-bench-table.mjs turns the files into the README's table.
 *
 * A row's `ratio` is always `value / baseline.value`, and its `ofCeiling` always
 * `value / ceiling.value`; whether higher or lower is better is said by the row's
 * target (`>=` or `<=`), so a reader never has to guess which way round a ratio is.
 *
 * Two kinds of comparison, kept apart so that a ratio against a weak baseline is
 * never read as a ratio against the best one can do:
 *   baseline  what a user would write without graph-task; `kind` says whether it is
 *             naive (one task per message, everything at once, a straw man kept for
 *             continuity), fair (the same constraints as graph-task) or a reference
 *             (another configuration of graph-task, another product);
 *   ceiling   the best the underlying parts can do with no DAG to honour and nothing
 *             recorded (hand-batched Piscina, a fused loop, a plain multi-row INSERT).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'

export interface Target {
  /** `>=`: higher is better; `<=`: lower is better. */
  op: '>=' | '<='
  value: number
  /** What the target bounds: the ratio to the baseline (default) or the value itself. */
  of?: 'ratio' | 'value'
}

/** How a baseline was chosen: see the file's header. */
export type BaselineKind = 'naive' | 'fair' | 'reference'

export interface Comparison {
  name: string
  value: number
}

export interface RowInput {
  name: string
  value: number
  unit: string
  baseline?: Comparison & { kind?: BaselineKind }
  ceiling?: Comparison
  target?: Target
  note?: string
}

export interface Row extends RowInput {
  ratio?: number
  /** `value / ceiling.value`. */
  ofCeiling?: number
  met?: boolean
  /** For a target not met: how far off, as a fraction of the target (0.25 = 25% below a `>=` target, or above a `<=` one). */
  missBy?: number
}

export interface Machine {
  date: string
  node: string
  cpu: string
  cores: number
  threads: number
}

export interface ScenarioResult extends Machine {
  scenario: string
  title: string
  command: string
  durationMs: number
  /** 1-minute load average when the scenario started and ended: other work on a shared box shows here. */
  loadAverage: { start: number, end: number }
  rows: Row[]
  /** Rendered under the README's table. */
  notes: string[]
  /** Kept in the JSON only: per-round samples and the like. */
  details: string[]
}

/** Worker threads every scenario uses: the engine's default, one per core. */
export const THREADS = availableParallelism()

export function machine (threads = THREADS): Machine {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    threads
  }
}

export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Rounds to a few significant digits, for JSON that people read. */
export function sig (n: number, digits = 4): number {
  if (!Number.isFinite(n) || n === 0) return n
  return Number(n.toPrecision(digits))
}

export function finishRow (input: RowInput): Row {
  const row: Row = { ...input, value: sig(input.value) }
  if (input.baseline !== undefined) {
    row.baseline = { name: input.baseline.name, value: sig(input.baseline.value) }
    if (input.baseline.kind !== undefined) row.baseline.kind = input.baseline.kind
    row.ratio = sig(input.value / input.baseline.value, 3)
  }
  if (input.ceiling !== undefined) {
    row.ceiling = { name: input.ceiling.name, value: sig(input.ceiling.value) }
    row.ofCeiling = sig(input.value / input.ceiling.value, 3)
  }
  const t = input.target
  if (t !== undefined) {
    const actual = (t.of ?? 'ratio') === 'ratio' ? row.ratio : input.value
    if (actual === undefined) throw new Error(`row "${input.name}": a ratio target needs a baseline`)
    row.met = t.op === '>=' ? actual >= t.value : actual <= t.value
    if (!row.met) row.missBy = sig(t.op === '>=' ? (t.value - actual) / t.value : (actual - t.value) / t.value, 3)
  }
  return row
}

/**
 * Collects rows, prints each as it comes, and writes bench/results/<scenario>.json.
 */
export class Report {
  readonly #scenario: string
  readonly #title: string
  readonly #started = performance.now()
  readonly #load = loadavg()[0]
  readonly #threads: number
  readonly rows: Row[] = []
  readonly notes: string[] = []
  readonly details: string[] = []

  /** `threads`: worker threads of the scenario's pools, when not the default of one per core. */
  constructor (scenario: string, title: string, threads = THREADS) {
    this.#scenario = scenario
    this.#title = title
    this.#threads = threads
    const m = machine(threads)
    console.log(`# ${scenario}: ${title}\n# ${m.node} on ${m.cpu}, ${m.cores} cores, ${m.threads} threads`)
  }

  add (input: RowInput): Row {
    const row = finishRow(input)
    this.rows.push(row)
    console.log(formatRow(row))
    return row
  }

  note (text: string): void {
    this.notes.push(text)
    console.log(`  note: ${text}`)
  }

  /** A line kept in the JSON but not rendered in the README: per-round samples and the like. */
  detail (text: string): void {
    this.details.push(text)
    console.log(`  detail: ${text}`)
  }

  write (): ScenarioResult {
    const result: ScenarioResult = {
      scenario: this.#scenario,
      title: this.#title,
      ...machine(this.#threads),
      // With the arguments it was given, so that the figures can be made again the same way.
      command: ['npx tsx', `bench/${this.#scenario}.bench.ts`, ...process.argv.slice(2)].join(' '),
      durationMs: Math.round(performance.now() - this.#started),
      loadAverage: { start: sig(this.#load, 3), end: sig(loadavg()[0], 3) },
      rows: this.rows,
      notes: this.notes,
      details: this.details
    }
    const dir = new URL('../results/', import.meta.url)
    mkdirSync(dir, { recursive: true })
    writeFileSync(new URL(`${this.#scenario}.json`, dir), JSON.stringify(result, null, 2) + '\n')
    console.log(`# wrote bench/results/${this.#scenario}.json (${(result.durationMs / 1000).toFixed(1)} s)`)
    return result
  }
}

export function formatRow (row: Row): string {
  let line = `  ${row.name}: ${row.value} ${row.unit}`
  if (row.baseline !== undefined) line += ` | ${row.baseline.kind ?? 'reference'} baseline ${row.baseline.name}: ${row.baseline.value} ${row.unit} | ratio ${row.ratio}x`
  if (row.ceiling !== undefined) line += ` | ceiling ${row.ceiling.name}: ${row.ceiling.value} ${row.unit} | ${row.ofCeiling}x of ceiling`
  if (row.target !== undefined) {
    const t = row.target
    line += ` | target ${(t.of ?? 'ratio') === 'ratio' ? 'ratio' : 'value'} ${t.op} ${t.value}: ${row.met === true ? 'met' : `NOT met (missed by ${((row.missBy ?? 0) * 100).toFixed(1)}%)`}`
  }
  return line
}

/** Resolves after the event loop has had a turn, and after `ms` when given. */
export function pause (ms = 0): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/** Wall-clock ms of an async function. */
export async function timed (fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

/**
 * Runs each case `rounds` times, interleaved (A B C, B C A, ...), and returns each
 * case's samples. On a shared, noisy box interleaving spreads a burst of noise over
 * every case instead of landing on whichever ran at that moment.
 */
export async function interleave<T = number> (cases: Record<string, () => Promise<T>>, rounds: number): Promise<Record<string, T[]>> {
  const names = Object.keys(cases)
  const samples: Record<string, T[]> = Object.fromEntries(names.map(n => [n, []]))
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length]
      samples[name].push(await cases[name]())
    }
  }
  return samples
}
