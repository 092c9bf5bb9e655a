/**
 * The report's charts as inline SVG strings: no script, no network, drawn by any browser.
 * Each is an `<svg class="chart" data-chart="...">`; the current run is blue, the
 * baseline grey, the critical path red.
 */
import type { TaskTiming, ThroughputPoint } from './results.js'
import { formatMs } from '../cli/common.js'

const kBlue = '#2f6fdf'
const kGrey = '#9aa3ad'
const kWait = '#f2b25c'
const kRed = '#d63b3b'

/** Escapes text for HTML and SVG. */
export const esc = (s: string): string => s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
const n1 = (x: number): string => x.toFixed(1)

function svg (kind: string, width: number, height: number, body: string, title: string): string {
  return `<svg class="chart" data-chart="${kind}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `xmlns="http://www.w3.org/2000/svg" role="img"><title>${esc(title)}</title>` +
    `<rect width="${width}" height="${height}" fill="#fff"/>${body}</svg>`
}

/** Histogram of latency samples; with a baseline, its bars beside the current ones on the same bins. */
export function latencyHistogram (current: readonly number[], baseline?: readonly number[]): string {
  const W = 420; const H = 200; const L = 40; const B = 30; const bins = 30
  const all = [...current, ...(baseline ?? [])].sort((a, b) => a - b)
  const lo = all[0] ?? 0
  // Clip the far tail so one outlier does not squash the rest into a bar or two.
  const hi = Math.max(all[Math.floor((all.length - 1) * 0.95)] ?? 1, lo + 1e-6)
  const count = (values: readonly number[]): number[] => {
    const h = new Array<number>(bins).fill(0)
    for (const v of values) h[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / (hi - lo) * bins)))]++
    return h.map(x => x / Math.max(1, values.length))
  }
  const series = baseline === undefined ? [{ h: count(current), color: kBlue }] : [{ h: count(baseline), color: kGrey }, { h: count(current), color: kBlue }]
  const top = Math.max(...series.flatMap(s => s.h), 1e-9)
  const bw = (W - L - 10) / bins
  let body = ''
  series.forEach((s, k) => {
    const w = bw / series.length
    s.h.forEach((f, i) => {
      const h = f / top * (H - B - 10)
      if (h > 0) body += `<rect x="${n1(L + i * bw + k * w)}" y="${n1(H - B - h)}" width="${n1(Math.max(1, w - 1))}" height="${n1(h)}" fill="${s.color}"/>`
    })
  })
  body += axis(L, H - B, W - 10) +
    `<text x="${L}" y="${H - 12}" font-size="11">${formatMs(lo)}</text>` +
    `<text x="${W - 10}" y="${H - 12}" font-size="11" text-anchor="end">${formatMs(hi)}</text>` +
    `<text x="${(L + W) / 2}" y="${H - 2}" font-size="11" text-anchor="middle">latency (share of samples per bin)</text>`
  return svg('latency', W, H, body, 'latency distribution')
}

/** Executions per second against concurrency; the baseline as a dashed grey line. */
export function throughputCurve (current: readonly ThroughputPoint[], baseline?: readonly ThroughputPoint[]): string {
  const W = 320; const H = 200; const L = 46; const B = 30
  const levels = [...new Set([...current, ...(baseline ?? [])].map(p => p.concurrency))].sort((a, b) => a - b)
  const top = Math.max(...current.map(p => p.executionsPerSecond), ...(baseline ?? []).map(p => p.executionsPerSecond), 1e-9)
  const x = (c: number): number => L + 10 + (levels.length === 1 ? 0.5 : levels.indexOf(c) / (levels.length - 1)) * (W - L - 30)
  const y = (v: number): number => H - B - v / top * (H - B - 14)
  const line = (points: readonly ThroughputPoint[], color: string, dash: string): string => {
    const pts = points.map(p => `${n1(x(p.concurrency))},${n1(y(p.executionsPerSecond))}`)
    return `<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>` +
      points.map(p => `<circle cx="${n1(x(p.concurrency))}" cy="${n1(y(p.executionsPerSecond))}" r="3.5" fill="${color}"/>`).join('')
  }
  let body = axis(L, H - B, W - 10)
  if (baseline !== undefined) body += line(baseline, kGrey, ' stroke-dasharray="5 3"')
  body += line(current, kBlue, '')
  body += levels.map(c => `<text x="${n1(x(c))}" y="${H - 14}" font-size="11" text-anchor="middle">${c}</text>`).join('') +
    `<text x="${L - 4}" y="18" font-size="11" text-anchor="end">${top.toFixed(0)}</text>` +
    `<text x="${(L + W) / 2}" y="${H - 2}" font-size="11" text-anchor="middle">executions/s by concurrency</text>`
  return svg('throughput', W, H, body, 'throughput against concurrency')
}

/** One row per task: queue wait then run time, stacked; critical-path tasks outlined in red. */
export function taskBars (current: readonly TaskTiming[], baseline?: readonly TaskTiming[]): string {
  const rows = current.slice(0, 40)
  const before = new Map(baseline?.map(t => [t.taskId, t]))
  const W = 560; const L = 150; const rowH = baseline === undefined ? 16 : 24; const H = rows.length * rowH + 34
  const top = Math.max(...rows.map(t => t.queueWait + t.run), ...(baseline ?? []).map(t => t.queueWait + t.run), 1e-9)
  const scale = (v: number): number => v / top * (W - L - 20)
  let body = ''
  rows.forEach((t, i) => {
    const y = 6 + i * rowH
    const stroke = t.critical ? ` stroke="${kRed}" stroke-width="2"` : ''
    body += `<text x="${L - 6}" y="${y + 11}" font-size="11" text-anchor="end"${t.critical ? ` fill="${kRed}" font-weight="bold"` : ''}>${esc(t.taskId)}</text>` +
      `<rect x="${L}" y="${y}" width="${n1(Math.max(1, scale(t.queueWait)))}" height="12" fill="${kWait}"${stroke}/>` +
      `<rect x="${n1(L + scale(t.queueWait))}" y="${y}" width="${n1(Math.max(1, scale(t.run)))}" height="12" fill="${kBlue}"${stroke}/>`
    const b = before.get(t.taskId)
    if (b !== undefined) body += `<rect x="${L}" y="${y + 14}" width="${n1(Math.max(1, scale(b.queueWait + b.run)))}" height="6" fill="${kGrey}"/>`
  })
  const legend = `<rect x="${L}" y="${H - 20}" width="10" height="10" fill="${kWait}"/><text x="${L + 14}" y="${H - 11}" font-size="11">queue wait</text>` +
    `<rect x="${L + 90}" y="${H - 20}" width="10" height="10" fill="${kBlue}"/><text x="${L + 104}" y="${H - 11}" font-size="11">run (mean, ms up to ${formatMs(top)})</text>` +
    `<text x="${L + 290}" y="${H - 11}" font-size="11" fill="${kRed}">red: critical path</text>`
  return svg('tasks', W, H, body + legend, 'per-task queue wait and run time')
}

function axis (x0: number, y0: number, x1: number): string {
  return `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#444"/><line x1="${x0}" y1="8" x2="${x0}" y2="${y0}" stroke="#444"/>`
}
