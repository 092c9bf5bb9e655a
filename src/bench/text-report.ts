/**
 * The run as text: a table for the terminal, and markdown for a pull-request comment.
 * With a comparison, each case shows its change, the change's 95% interval, and a
 * verdict that is only "slower" or "faster" beyond the noise (compare.ts).
 */
import { formatMs, table } from '../cli/common.js'
import type { CaseComparison } from './compare.js'
import type { BenchRun, CaseResult } from './results.js'

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
const kTasksShown = 10

/** The change of a compared case as text: `+12.0% [+8.1%, +16.0%]`. */
export function changeText (c: CaseComparison | undefined): string {
  if (c === undefined) return ''
  if (c.change === undefined) return c.verdict
  return `${signed(c.change)} [${signed(c.changeLow ?? 0)}, ${signed(c.changeHigh ?? 0)}]`
}

/** The mark of a verdict: only changes beyond the noise get one. */
export function verdictMark (c: CaseComparison | undefined): string {
  if (c === undefined) return ''
  return { slower: 'SLOWER', faster: 'faster', unchanged: '~', noisy: 'noisy (inconclusive)', new: 'new', missing: 'missing' }[c.verdict]
}

function headline (run: BenchRun): string {
  const e = run.environment
  return `graph-task ${e.graphTaskVersion}, Node ${e.node}, ${e.cpuModel} (${e.cores} cores), ${e.storage} storage` +
    `${e.commit !== undefined ? `, commit ${e.commit.slice(0, 10)}` : ''}, load ${e.loadAverage[0].toFixed(2)}-${e.loadAverage[1].toFixed(2)}`
}

function peak (c: CaseResult): number {
  return Math.max(...c.throughput.map(t => t.executionsPerSecond))
}

/** The terminal table: one row per case, then each case's curve, critical path and tasks. */
export function renderTable (run: BenchRun, comparisons?: readonly CaseComparison[]): string {
  const byId = new Map(comparisons?.map(c => [c.id, c]))
  const head = ['CASE', 'THREADS', 'MEAN', 'P50', 'P75', 'P99', 'MIN', 'MAX', '±RME', 'SAMPLES', 'PEAK EXEC/S', 'CPU EFF', 'MAIN THREAD']
  if (comparisons !== undefined) head.push('CHANGE [95% CI]', 'VERDICT')
  const rows = run.cases.map(c => {
    const l = c.latency
    const row = [c.id, String(c.threads), formatMs(l.mean), formatMs(l.p50), formatMs(l.p75), formatMs(l.p99), formatMs(l.min),
      formatMs(l.max), `${l.rme.toFixed(1)}%`, String(l.samples), peak(c).toFixed(1), pct(c.cpuEfficiency), pct(c.mainThreadUtilisation)]
    if (comparisons !== undefined) row.push(changeText(byId.get(c.id)), verdictMark(byId.get(c.id)))
    return row
  })
  const missing = comparisons?.filter(c => c.verdict === 'missing').map(c => `${c.id}: in the baseline, not in this run`) ?? []
  const details = run.cases.map(c => {
    const curve = c.throughput.map(t => `${t.concurrency}: ${t.executionsPerSecond.toFixed(1)}/s`).join(', ')
    const tasks = [...c.taskTimings].sort((a, b) => b.run + b.queueWait - a.run - a.queueWait)
    const taskTable = table([
      ['  TASK', 'QUEUE WAIT', 'RUN', 'CRITICAL'],
      ...tasks.slice(0, kTasksShown).map(t => [`  ${t.taskId}`, formatMs(t.queueWait), formatMs(t.run), t.critical ? '*' : ''])
    ])
    const more = tasks.length > kTasksShown ? `\n  (${tasks.length - kTasksShown} more tasks; --json lists them all)` : ''
    return `${c.id}\n  throughput by concurrency: ${curve}\n  critical path: ${c.criticalPath.join(' > ')}\n${taskTable}${more}`
  })
  return [headline(run), '', table([head, ...rows]), ...missing, '', ...details].join('\n')
}

/** Markdown for a pull-request comment: a summary line, the cases table, the environment. */
export function renderMarkdown (run: BenchRun, comparisons?: readonly CaseComparison[], baseline?: BenchRun): string {
  const byId = new Map(comparisons?.map(c => [c.id, c]))
  const cols = ['Case', 'p50', 'p99', '±RME', 'Samples', 'Peak exec/s', 'CPU eff.']
  if (comparisons !== undefined) cols.push('Baseline p50', 'Change [95% CI]', '')
  const lines = [`| ${cols.join(' | ')} |`, `|${cols.map(() => ' --- ').join('|')}|`]
  for (const c of run.cases) {
    const l = c.latency
    const cells = [`\`${c.id}\``, formatMs(l.p50), formatMs(l.p99), `${l.rme.toFixed(1)}%`, String(l.samples), peak(c).toFixed(1), pct(c.cpuEfficiency)]
    if (comparisons !== undefined) {
      const cmp = byId.get(c.id)
      cells.push(formatMs(cmp?.baselineMedian), changeText(cmp), cmp?.verdict === 'slower' ? ':red_circle: slower' : cmp?.verdict === 'faster' ? ':green_circle: faster' : '')
    }
    lines.push(`| ${cells.join(' | ')} |`)
  }
  const slower = comparisons?.filter(c => c.verdict === 'slower').length ?? 0
  const faster = comparisons?.filter(c => c.verdict === 'faster').length ?? 0
  const summary = comparisons === undefined
    ? `**Benchmark**: ${run.cases.length} cases`
    : `**Benchmark against \`${baseline?.name ?? 'baseline'}\`**: ${slower} slower, ${faster} faster beyond the noise, ${run.cases.length - slower - faster} within it`
  const env = `<sub>${headline(run)}${baseline !== undefined ? `; baseline: ${headline(baseline)}` : ''}</sub>`
  return [summary, '', ...lines, '', env].join('\n')
}
