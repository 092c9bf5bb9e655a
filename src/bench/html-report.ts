/**
 * `--html <file>`: the run as one self-contained page (inline CSS and SVG, nothing
 * fetched): per case its figures, the latency distribution, throughput against
 * concurrency and the per-task breakdown; with a baseline, the baseline beside each.
 */
import { formatMs } from '../cli/common.js'
import type { CaseComparison } from './compare.js'
import { kThroughputFloor, type BenchRun, type CaseResult } from './results.js'
import { esc, latencyHistogram, taskBars, throughputCurve } from './svg-charts.js'
import { changeText, taskChangeText, taskMark, verdictMark, waitShiftText } from './text-report.js'

const kStyle = `body{font:14px system-ui,sans-serif;margin:24px;color:#222;background:#f6f7f9}
section.case{background:#fff;border:1px solid #dde;border-radius:6px;padding:12px 16px;margin:0 0 16px}
section.case h2{font-size:16px;margin:0 0 6px} .charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
table{border-collapse:collapse;font-size:13px;margin:6px 0} td,th{padding:2px 8px;text-align:right} th:first-child,td:first-child{text-align:left}
.slower{color:#d63b3b;font-weight:bold} .inconclusive{color:#b36b00;font-weight:bold} .why{color:#b36b00;font-size:13px} .faster{color:#1c8a3a;font-weight:bold} .env{color:#667;font-size:12px}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}`

function figures (c: CaseResult, b: CaseResult | undefined): string {
  const row = (label: string, r: CaseResult): string => {
    const l = r.latency
    const peak = Math.max(...r.throughput.map(t => t.executionsPerSecond))
    return `<tr><td>${label}</td><td>${formatMs(l.mean)}</td><td>${formatMs(l.p50)}</td><td>${formatMs(l.p75)}</td><td>${formatMs(l.p99)}</td>` +
      `<td>${formatMs(l.min)}</td><td>${formatMs(l.max)}</td><td>${l.rme.toFixed(1)}%</td><td>${l.samples}</td><td>${peak.toFixed(1)}</td>` +
      `<td>${(r.cpuEfficiency * 100).toFixed(1)}%</td><td>${(r.mainThreadUtilisation * 100).toFixed(1)}%</td></tr>`
  }
  return '<table><tr><th></th><th>mean</th><th>p50</th><th>p75</th><th>p99</th><th>min</th><th>max</th><th>±rme</th><th>samples</th>' +
    `<th>peak exec/s</th><th>CPU eff.</th><th>main thread</th></tr>${b === undefined ? '' : row('baseline', b)}${row('current', c)}</table>`
}

/** The tasks compared: run-time change and queue-wait shift with their intervals; slower ones first and marked. */
function taskComparisons (cmp: CaseComparison | undefined): string {
  if (cmp?.tasks === undefined || cmp.tasks.length === 0) return ''
  const rows = [...cmp.tasks].sort((a, b) => Number(b.verdict === 'slower') - Number(a.verdict === 'slower')).map(t =>
    `<tr class="${t.verdict}" data-task="${esc(t.taskId)}"><td>${esc(t.taskId)}</td><td>${formatMs(t.baselineRun)}</td><td>${formatMs(t.currentRun)}</td>` +
    `<td>${esc(taskChangeText(t))}</td><td>${esc(waitShiftText(t))}</td><td>${esc(taskMark(t))}</td></tr>`)
  return '<table class="tasks"><tr><th>task</th><th>run, baseline</th><th>run, current</th><th>run change</th><th>queue wait shift</th><th></th></tr>' +
    `${rows.join('')}</table>`
}

function caseSection (c: CaseResult, b: CaseResult | undefined, cmp: CaseComparison | undefined): string {
  const verdict = cmp === undefined ? ''
    : ` <span class="${cmp.verdict}">${esc(verdictMark(cmp))} ${esc(changeText(cmp))}${cmp.p !== undefined ? ` (p = ${cmp.p.toPrecision(2)})` : ''}</span>`
  const slower = cmp?.slowerTasks ?? []
  const notes = (cmp?.why === undefined ? '' : `<div class="why">inconclusive: ${esc(cmp.why)}</div>`) +
    (slower.length === 0 ? '' : `<div class="why slower-tasks">slower: ${slower.map(esc).join(', ')}</div>`)
  return `<section class="case" data-case="${esc(c.id)}"><h2>${esc(c.id)}${verdict}</h2>${notes}` +
    `<div class="env">${c.tasks} tasks, ${c.threads} threads; critical path: ${esc(c.criticalPath.join(' → '))}; ` +
    `throughput points from ${c.throughput.map(t => t.executions).join(', ')} executions (at least ${kThroughputFloor})</div>` +
    figures(c, b) + taskComparisons(cmp) +
    `<div class="charts">${latencyHistogram(c.latency.rounds.flat(), b?.latency.rounds.flat())}${throughputCurve(c.throughput, b?.throughput)}` +
    `${taskBars(c.taskTimings, b?.taskTimings)}</div></section>`
}

function environment (label: string, run: BenchRun): string {
  const e = run.environment
  return `<div class="env">${label}: graph-task ${esc(e.graphTaskVersion)}, Node ${esc(e.node)}, ${esc(e.cpuModel)} (${e.cores} cores), ` +
    `${esc(e.storage)} storage${e.commit !== undefined ? `, commit ${esc(e.commit.slice(0, 10))}` : ''}, ${esc(e.date)}, ` +
    `load ${e.loadAverage[0].toFixed(2)}-${e.loadAverage[1].toFixed(2)}</div>`
}

/** The page, as a string. */
export function renderHtml (run: BenchRun, comparisons?: readonly CaseComparison[], baseline?: BenchRun): string {
  const before = new Map(baseline?.cases.map(c => [c.id, c]))
  const byId = new Map(comparisons?.map(c => [c.id, c]))
  const legend = baseline === undefined ? ''
    : '<div class="legend"><span style="background:#2f6fdf"></span>current<span style="background:#9aa3ad"></span>baseline ' +
      `<b>${esc(baseline.name ?? '')}</b></div>`
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>graph-task benchmark</title><style>${kStyle}</style></head>` +
    `<body><h1>graph-task benchmark</h1>${environment('current', run)}${baseline === undefined ? '' : environment('baseline', baseline)}${legend}` +
    run.cases.map(c => caseSection(c, before.get(c.id), byId.get(c.id))).join('') + '</body></html>\n'
}
