/**
 * The run as text: a table for the terminal, and markdown for a pull-request comment.
 * With a comparison, each case shows its change, the change's interval, and a verdict
 * that is only "slower" or "faster" beyond the noise (compare.ts), `inconclusive` with its
 * reason where the samples could not decide, and the tasks that got slower.
 */
import { formatMs, table } from '../cli/common.js'
import type { CaseComparison, TaskComparison } from './compare.js'
import { kThroughputFloor, type BenchRun, type CaseResult } from './results.js'

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
const kTasksShown = 10

const end = (x: number | undefined): string => x === undefined ? '?' : signed(x)

/** A change and its interval as text: `+12.0% [+8.1%, +16.0%]`; `?` for an end the samples could not bound. */
function interval (change: number, low: number | undefined, high: number | undefined): string {
  return Number.isFinite(change) ? `${signed(change)} [${end(low)}, ${end(high)}]` : '?'
}

/** The change of a compared case as text: `+12.0% [+8.1%, +16.0%]`. */
export function changeText (c: CaseComparison | undefined): string {
  if (c === undefined) return ''
  if (c.change === undefined) return c.verdict
  return interval(c.change, c.changeLow, c.changeHigh)
}

/** The mark of a verdict: only changes beyond the noise get one. */
export function verdictMark (c: CaseComparison | undefined): string {
  if (c === undefined) return ''
  return { slower: 'SLOWER', faster: 'faster', unchanged: '~', inconclusive: 'INCONCLUSIVE', new: 'new', missing: 'missing' }[c.verdict]
}

/** A task's run-time change as text: `+50.2% [+44.0%, +57.1%]`. */
export function taskChangeText (t: TaskComparison): string {
  return interval(t.runChange, t.runChangeLow, t.runChangeHigh)
}

/** A task's queue-wait shift as text, ms: `+0.012 ms [-0.004, +0.030]`. */
export function waitShiftText (t: TaskComparison): string {
  if (!Number.isFinite(t.queueWaitShift)) return '?'
  const ms = (x: number | undefined): string => x === undefined ? '?' : `${x >= 0 ? '+' : ''}${x.toFixed(3)}`
  return `${ms(t.queueWaitShift)} ms [${ms(t.queueWaitLow)}, ${ms(t.queueWaitHigh)}]`
}

/**
 * One line per compared case that needs words: which tasks got slower, or why the
 * verdict is inconclusive.
 */
export function verdictNotes (comparisons: readonly CaseComparison[] | undefined): string[] {
  const notes: string[] = []
  for (const c of comparisons ?? []) {
    if (c.verdict === 'missing') notes.push(`${c.id}: in the baseline, not in this run`)
    if (c.verdict === 'inconclusive') notes.push(`${c.id}: inconclusive: ${c.why ?? c.reason ?? ''}`)
    const slower = c.tasks?.filter(t => t.verdict === 'slower') ?? []
    if (slower.length > 0) {
      notes.push(`${c.id}: slower task${slower.length === 1 ? '' : 's'}: ${slower.map(t => `${t.taskId} run ${taskChangeText(t)}`).join(', ')}`)
    } else if (c.verdict === 'slower' && c.tasks !== undefined) {
      notes.push(`${c.id}: no single task's run time is slower beyond the noise (look at queue waits in the task table)`)
    }
  }
  return notes
}

/** Under a compared table: what the interval is and what each throughput point rests on. */
function methodNote (comparisons: readonly CaseComparison[] | undefined): string {
  const levels = [...new Set(comparisons?.flatMap(c => c.level === undefined ? [] : [`${(c.level * 100).toFixed(1)}%`]) ?? [])]
  return (levels.length > 0 ? `Intervals: ${levels.join(', ')} rank intervals of the change, over the fastest half of each side's rounds ` +
    '(a round: its fastest execution). ' : '') +
    `Throughput points rest on at least ${kThroughputFloor} executions each.`
}

/** A task's verdict mark. */
export function taskMark (t: TaskComparison): string {
  return { slower: 'SLOWER', faster: 'faster', unchanged: '~', inconclusive: '?' }[t.verdict]
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
  if (comparisons !== undefined) head.push('CHANGE [INTERVAL]', 'VERDICT')
  const rows = run.cases.map(c => {
    const l = c.latency
    const row = [c.id, String(c.threads), formatMs(l.mean), formatMs(l.p50), formatMs(l.p75), formatMs(l.p99), formatMs(l.min),
      formatMs(l.max), `${l.rme.toFixed(1)}%`, String(l.samples), peak(c).toFixed(1), pct(c.cpuEfficiency), pct(c.mainThreadUtilisation)]
    if (comparisons !== undefined) row.push(changeText(byId.get(c.id)), verdictMark(byId.get(c.id)))
    return row
  })
  const details = run.cases.map(c => {
    const curve = c.throughput.map(t => `${t.concurrency}: ${t.executionsPerSecond.toFixed(1)}/s (${t.executions})`).join(', ')
    const compared = new Map(byId.get(c.id)?.tasks?.map(t => [t.taskId, t]))
    // Slower tasks first, then by time taken.
    const rank = (id: string): number => compared.get(id)?.verdict === 'slower' ? 1 : 0
    const tasks = [...c.taskTimings].sort((a, b) => rank(b.taskId) - rank(a.taskId) || b.run + b.queueWait - a.run - a.queueWait)
    const taskHead = ['  TASK', 'QUEUE WAIT', 'RUN', 'CRITICAL']
    if (compared.size > 0) taskHead.push('RUN CHANGE', 'WAIT SHIFT', 'VERDICT')
    const taskTable = table([
      taskHead,
      ...tasks.slice(0, kTasksShown).map(t => {
        const row = [`  ${t.taskId}`, formatMs(t.queueWait), formatMs(t.run), t.critical ? '*' : '']
        const cmp = compared.get(t.taskId)
        if (compared.size > 0) row.push(...(cmp === undefined ? ['', '', ''] : [taskChangeText(cmp), waitShiftText(cmp), taskMark(cmp)]))
        return row
      })
    ])
    const more = tasks.length > kTasksShown ? `\n  (${tasks.length - kTasksShown} more tasks; --json lists them all)` : ''
    return `${c.id}\n  throughput by concurrency (executions): ${curve}\n  critical path: ${c.criticalPath.join(' > ')}\n${taskTable}${more}`
  })
  return [headline(run), '', table([head, ...rows]), ...verdictNotes(comparisons), methodNote(comparisons), '', ...details].join('\n')
}

const kMarkdownVerdict: Record<string, string> = {
  slower: ':red_circle: slower',
  faster: ':green_circle: faster',
  inconclusive: ':warning: inconclusive'
}

/**
 * Markdown for a pull-request comment: a summary line, the cases table (the baseline's
 * floor: the median over its rounds of each round's fastest execution), a line per slower
 * task and per inconclusive case, the environment.
 */
export function renderMarkdown (run: BenchRun, comparisons?: readonly CaseComparison[], baseline?: BenchRun): string {
  const byId = new Map(comparisons?.map(c => [c.id, c]))
  const cols = ['Case', 'p50', 'p99', '±RME', 'Samples', 'Peak exec/s', 'CPU eff.']
  if (comparisons !== undefined) cols.push('Baseline floor', 'Change [interval]', '')
  const lines = [`| ${cols.join(' | ')} |`, `|${cols.map(() => ' --- ').join('|')}|`]
  for (const c of run.cases) {
    const l = c.latency
    const cells = [`\`${c.id}\``, formatMs(l.p50), formatMs(l.p99), `${l.rme.toFixed(1)}%`, String(l.samples), peak(c).toFixed(1), pct(c.cpuEfficiency)]
    if (comparisons !== undefined) {
      const cmp = byId.get(c.id)
      cells.push(formatMs(cmp?.baselineMedian), changeText(cmp), kMarkdownVerdict[cmp?.verdict ?? ''] ?? '')
    }
    lines.push(`| ${cells.join(' | ')} |`)
  }
  const count = (v: string): number => comparisons?.filter(c => c.verdict === v).length ?? 0
  const summary = comparisons === undefined
    ? `**Benchmark**: ${run.cases.length} cases`
    : `**Benchmark against \`${baseline?.name ?? 'baseline'}\`**: ${count('slower')} slower, ${count('faster')} faster beyond the noise, ` +
      `${count('unchanged')} within it, ${count('inconclusive')} inconclusive`
  const notes = verdictNotes(comparisons).map(n => `- ${n.replace(/^([^:]+):/, '`$1`:')}`)
  const env = `<sub>${methodNote(comparisons)} ${headline(run)}${baseline !== undefined ? `; baseline: ${headline(baseline)}` : ''}</sub>`
  return [summary, '', ...lines, ...(notes.length > 0 ? ['', ...notes] : []), '', env].join('\n')
}
