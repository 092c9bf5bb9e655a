#!/usr/bin/env node
/**
 * Renders bench/results/*.json (written by bench/<scenario>.bench.ts) as one markdown
 * table of ratios. Prints it; with --write, also replaces the block between
 * `<!-- bench:start -->` and `<!-- bench:end -->` in README.md.
 *
 * Each row has up to two comparisons (bench/lib/report.ts): a baseline, marked
 * naive, fair or reference, and a ceiling, the best the underlying parts do with no
 * DAG and nothing recorded. The notes list, per scenario, which is which.
 * bench/results/scaling.json (npm run bench:scaling) has a shape of its own and is
 * not part of this table.
 *
 *   node scripts/render-bench-table.mjs [--write] [--results dir] [--readme path]
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

/** The README table's order, headline figures first; any other scenario comes after, by name. */
export const ORDER = ['main-thread', 'dispatch', 'critical-path', 'cpu-efficiency', 'map', 'per-file', 'durability', 'tracer', 'bullmq', 'queue', 'planner', 'memory', 'big-data', 'embedded', 'otel', 'purge', 'console', 'cache']
const START = '<!-- bench:start -->'
const END = '<!-- bench:end -->'

function num (n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return String(n)
  const abs = Math.abs(n)
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : abs >= 1 ? 3 : 4
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, maximumSignificantDigits: abs >= 1000 ? undefined : 4 })
}

function target (row) {
  if (row.target === undefined) return ''
  const t = row.target
  return `${(t.of ?? 'ratio') === 'ratio' ? 'ratio' : 'value'} ${t.op === '>=' ? '≥' : '≤'} ${num(t.value)}`
}

function met (row) {
  if (row.met === undefined) return ''
  if (row.met) return 'yes'
  return `**no** (missed by ${(row.missBy * 100).toFixed(1)}%)`
}

export function loadResults (dir) {
  if (!existsSync(dir)) return []
  const results = readdirSync(dir)
    .filter(f => f.endsWith('.json') && !f.endsWith('.tmp.json'))
    .map(f => JSON.parse(readFileSync(join(dir, f), 'utf8')))
    .filter(r => Array.isArray(r.rows))
  const rank = s => { const i = ORDER.indexOf(s.scenario); return i === -1 ? ORDER.length : i }
  return results.sort((a, b) => rank(a) - rank(b) || a.scenario.localeCompare(b.scenario))
}

export function renderTable (results) {
  if (results.length === 0) return '_No benchmark results yet: run `npm run bench`._'
  const machines = [...new Set(results.map(r => `${r.cpu}, ${r.cores} cores, Node ${r.node}`))]
  // Threads: the common count, and the scenarios that used another (main-thread uses one).
  const byThreads = new Map()
  for (const r of results) byThreads.set(r.threads, [...(byThreads.get(r.threads) ?? []), r.scenario])
  const common = [...byThreads.entries()].sort((a, b) => b[1].length - a[1].length)[0][0]
  const plural = n => `${n} worker thread${n === 1 ? '' : 's'}`
  const others = [...byThreads.entries()].filter(([n]) => n !== common).map(([n, names]) => `${names.join(', ')}: ${n}`)
  const threads = `${plural(common)}${others.length === 0 ? '' : ` (${others.join('; ')})`}`
  const loads = results.flatMap(r => r.loadAverage === undefined ? [] : [r.loadAverage.start, r.loadAverage.end])
  const load = loads.length === 0
    ? ''
    : ` The 1-minute load average ran from ${num(Math.min(...loads))} to ${num(Math.max(...loads))} on ${results[0].cores} cores` +
      (Math.max(...loads) > results[0].cores ? ': other work shared the box, which lowers absolute figures more than ratios.' : '.')
  const dates = results.map(r => r.date).sort()
  const day = d => d.slice(0, 10)
  const when = day(dates[0]) === day(dates[dates.length - 1]) ? day(dates[0]) : `${day(dates[0])} to ${day(dates[dates.length - 1])}`
  const lines = [
    `Measured ${when} on ${machines.join('; ')}, ${threads}, with \`npm run bench\` ` +
      '(one scenario alone: `npx tsx bench/<scenario>.bench.ts`). Every ratio is graph-task\'s figure ' +
      'over a comparison measured in the same process run: **Ratio** against a baseline (marked naive, fair or ' +
      'reference), **Of ceiling** against the best the underlying parts do with no DAG to honour and nothing ' +
      'recorded (hand-batched Piscina, a fused loop, a plain multi-row INSERT). The target says which way is better.' + load,
    '',
    '| Scenario | Measure | Value | Baseline | Ratio | Ceiling | Of ceiling | Target | Met |',
    '|---|---|---|---|---|---|---|---|---|'
  ]
  for (const r of results) {
    for (const row of r.rows) {
      const baseline = row.baseline === undefined ? '' : `${row.baseline.name}${row.baseline.kind === undefined ? '' : ` (${row.baseline.kind})`}: ${num(row.baseline.value)} ${row.unit}`
      const ratio = row.ratio === undefined ? '' : `${num(row.ratio)}x`
      const ceiling = row.ceiling === undefined ? '' : `${row.ceiling.name}: ${num(row.ceiling.value)} ${row.unit}`
      const ofCeiling = row.ofCeiling === undefined ? '' : `${num(row.ofCeiling)}x`
      lines.push(`| ${r.scenario} | ${row.name} | ${num(row.value)} ${row.unit} | ${baseline} | ${ratio} | ${ceiling} | ${ofCeiling} | ${target(row)} | ${met(row)} |`)
    }
  }
  // Per-round samples live in `details` (older files kept them in notes, ending "..., N ms").
  const notes = results.flatMap(r => (r.notes ?? []).filter(n => !/: [\d.]+(, [\d.]+)+ ms$/.test(n)).map(n => `- ${r.scenario}: ${n}`))
  const comparisons = results.map(comparisonsNote).filter(n => n !== null)
  if (notes.length + comparisons.length > 0) {
    lines.push('', '<details><summary>Notes</summary>', '')
    if (comparisons.length > 0) {
      lines.push('Baselines and ceilings, per scenario. Naive: what a user writes first, or a straw man kept ' +
        'for continuity; fair: held to the same constraints as graph-task; reference: another configuration, ' +
        'another product, an earlier reading; ceiling: the best the parts do with no DAG and nothing recorded.', '', ...comparisons, '')
    }
    lines.push(...notes, '', '</details>')
  }
  return lines.join('\n')
}

/** One line per scenario: its baselines grouped by kind, then its ceilings, each with how many rows use it. */
function comparisonsNote (result) {
  const groups = { naive: new Map(), fair: new Map(), reference: new Map(), ceiling: new Map() }
  const count = (map, name) => map.set(name, (map.get(name) ?? 0) + 1)
  for (const row of result.rows) {
    if (row.baseline !== undefined) count(groups[row.baseline.kind ?? 'reference'] ?? groups.reference, row.baseline.name)
    if (row.ceiling !== undefined) count(groups.ceiling, row.ceiling.name)
  }
  const parts = Object.entries(groups)
    .filter(([, map]) => map.size > 0)
    .map(([kind, map]) => `${kind}: ${[...map.entries()].map(([name, n]) => `"${name}" (${n} row${n === 1 ? '' : 's'})`).join(', ')}`)
  return parts.length === 0 ? null : `- ${result.scenario}: ${parts.join('; ')}`
}

export function writeReadme (path, table) {
  if (!existsSync(path)) return `${path} does not exist; table not written`
  const text = readFileSync(path, 'utf8')
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  if (start === -1 || end === -1 || end < start) return `${path} has no ${START} ... ${END} block; table not written`
  writeFileSync(path, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`)
  return null
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      write: { type: 'boolean', default: false },
      results: { type: 'string', default: join(root, 'bench', 'results') },
      readme: { type: 'string', default: join(root, 'README.md') }
    }
  })
  const table = renderTable(loadResults(values.results))
  process.stdout.write(table + '\n')
  if (values.write) {
    const problem = writeReadme(values.readme, table)
    if (problem === null) process.stderr.write(`README table updated: ${values.readme}\n`)
    else process.stderr.write(`warning: ${problem}\n`)
  }
}
