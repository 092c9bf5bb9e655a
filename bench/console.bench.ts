/**
 * The console at scale: its API over a MySQL history of a million executions, and the
 * waterfall of an execution of 10k tasks drawn in headless Chromium.
 *
 *   list / one execution   p50 and p99 of GET /api/executions (first page, a deep page by
 *                          cursor, filtered by workflow and status, by time range) and
 *                          GET /api/executions/:id, over 1M rows inserted with one
 *                          INSERT ... SELECT from MariaDB's sequence engine (seq_1_to_N).
 *                          Baseline: the same page read with one plain SQL statement on a
 *                          mysql2 connection, so the ratio is what the HTTP layer, the
 *                          storage's reads and JSON add.
 *   trace                  GET /api/executions/:id/trace of an execution with 10k task
 *                          spans; baseline the plain SELECT of those spans.
 *   waterfall              time to draw the canvas of 10k attempts in Chromium (the page's
 *                          own performance.now() around the drawing), baseline 100 attempts.
 *
 *   npx tsx bench/console.bench.ts [--executions 1000000] [--requests 200]
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { createConsole } from '../dist/console.js'
import { MySQLStorage } from '../dist/mysql.js'
import { type SpanRecord, type TaskRecord } from '../dist/index.js'
import { createDatabase } from './lib/mysql.js'
import { Report } from './lib/report.js'

const { values } = parseArgs({ options: { executions: { type: 'string', default: '1000000' }, requests: { type: 'string', default: '200' } } })
const N = Number(values.executions)
const REQUESTS = Number(values.requests)
const BIG_TASKS = 10_000
const kBase = Date.UTC(2026, 0, 1)

const id = (n: number): string => '01BENCH' + String(n).padStart(19, '0')

function percentile (samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function latencies (fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 5; i++) await fn()
  const out: number[] = []
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now()
    await fn()
    out.push(performance.now() - t0)
  }
  return out
}

const db = await createDatabase('console')
const storage = new MySQLStorage({ uri: db.uri })
const report = new Report('console', `console API over ${N / 1e6}M executions in MariaDB; waterfall of 10k attempts in Chromium`, 1)
try {
  await storage.init()
  let t0 = performance.now()
  // One statement: ids sort with seq, a tenth of each workflow, one in twenty failed.
  await db.connection.query(`INSERT INTO gt_executions (id, workflow_id, workflow_version, definition_hash, status, instance_id, input,
      started_at, updated_at, ended_at, total_tasks, completed_tasks, failed_tasks, error_code, error_message)
    SELECT CONCAT('01BENCH', LPAD(seq, 19, '0')), CONCAT('wf', seq % 10), '1', REPEAT('ab', 32),
      IF(seq % 20 = 0, 'failed', 'success'), 'bench:1', '',
      FROM_UNIXTIME(${kBase / 1000} + seq), FROM_UNIXTIME(${kBase / 1000} + seq + 0.5), FROM_UNIXTIME(${kBase / 1000} + seq + 0.5),
      8, IF(seq % 20 = 0, 7, 8), IF(seq % 20 = 0, 1, 0), IF(seq % 20 = 0, 'TASK_FAILED', NULL), IF(seq % 20 = 0, 'boom', NULL)
    FROM seq_1_to_${N}`)
  report.detail(`inserted ${N} executions in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

  // One execution of 10k tasks, written through the storage as the engine would.
  const big = id(N + 1)
  await storage.writeExecutions([{ executionId: big, workflowId: 'big', workflowVersion: '1', definitionHash: 'ab'.repeat(32), status: 'success', instanceId: 'bench:1',
    input: new Uint8Array(0), startedAt: kBase, updatedAt: kBase + 5000, endedAt: kBase + 5000, totalTasks: BIG_TASKS, completedTasks: BIG_TASKS, failedTasks: 0 }])
  const tasks: TaskRecord[] = []
  const spans: SpanRecord[] = []
  for (let i = 0; i < BIG_TASKS; i++) {
    const start = kBase + (i >> 3) * 4 + 1
    tasks.push({ executionId: big, taskId: `t${i}`, name: `t${i}`, status: 'success', attempts: 1, startedAt: start, endedAt: start + 3, duration: 3 })
    spans.push({ traceId: 'f'.repeat(32), spanId: i.toString(16).padStart(16, '0'), parentSpanId: 'e'.repeat(16), executionId: big, taskId: `t${i}`, name: `t${i}`,
      startTime: start, endTime: start + 3, statusCode: 'OK',
      attributes: { 'graph_task.task.attempt': 1, 'graph_task.task.queue_wait_ms': 0.5, 'graph_task.task.run_ms': 3, 'thread.id': 1 + (i % 8), 'graph_task.task.status': 'success' } })
  }
  await storage.writeTaskResults(tasks)
  await storage.writeSpans(spans)

  const handler = createConsole(storage, { pollInterval: 0 })
  const server = createServer(handler).listen(0, '127.0.0.1')
  await new Promise(resolve => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const get = async (path: string): Promise<unknown> => {
    const res = await fetch(base + path)
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
    return res.json()
  }
  const sql = (text: string, params: unknown[] = []) => async () => db.connection.query(text, params)
  const cols = 'id, workflow_id, workflow_version, definition_hash, status, instance_id, started_at, updated_at, ended_at, total_tasks, completed_tasks, failed_tasks, error_code, error_message, retry_of'
  const deep = id(Math.floor(N / 2))
  const cases: Array<[string, string, () => Promise<unknown>]> = [
    ['list, first page of 50', '/api/executions?limit=50', sql(`SELECT ${cols} FROM gt_executions ORDER BY id DESC LIMIT 51`)],
    ['list, a page at the middle (cursor)', `/api/executions?limit=50&cursor=${deep}`, sql(`SELECT ${cols} FROM gt_executions WHERE id < ? ORDER BY id DESC LIMIT 51`, [deep])],
    ['list, workflow + status filter', '/api/executions?limit=50&workflow=wf0&status=failed', sql(`SELECT ${cols} FROM gt_executions FORCE INDEX (by_workflow_status) WHERE workflow_id = 'wf0' AND status IN ('failed') ORDER BY id DESC LIMIT 51`)],
    ['list, one hour of start times', `/api/executions?limit=50&from=${kBase + 3_600_000 * 100}&to=${kBase + 3_600_000 * 101}`,
      sql(`SELECT ${cols} FROM gt_executions WHERE started_at >= FROM_UNIXTIME(?) AND started_at < FROM_UNIXTIME(?) ORDER BY id DESC LIMIT 51`, [kBase / 1000 + 360_000, kBase / 1000 + 363_600])],
    ['one execution', `/api/executions/${deep}`, sql(`SELECT * FROM gt_executions WHERE id = ?`, [deep])],
    ['trace of 10k task spans', `/api/executions/${big}/trace`, sql('SELECT * FROM gt_spans WHERE execution_id = ? ORDER BY start_time', [big])]
  ]
  for (const [name, path, baseline] of cases) {
    const api = await latencies(() => get(path))
    const raw = await latencies(baseline)
    report.add({ name: `${name}: p50`, value: percentile(api, 50), unit: 'ms', baseline: { name: 'the same read as one SQL statement', value: percentile(raw, 50), kind: 'reference' } })
    report.add({ name: `${name}: p99`, value: percentile(api, 99), unit: 'ms', baseline: { name: 'the same read as one SQL statement', value: percentile(raw, 99), kind: 'reference' } })
  }
  t0 = performance.now()
  await db.connection.query(`SELECT ${cols} FROM gt_executions ORDER BY id DESC LIMIT 50 OFFSET ${Math.floor(N / 2)}`)
  report.detail(`for comparison, the middle page by OFFSET instead of a cursor: ${(performance.now() - t0).toFixed(1)} ms (one read)`)
  t0 = performance.now()
  await db.connection.query(`SELECT ${cols} FROM gt_executions WHERE workflow_id = 'wf0' AND status IN ('failed') ORDER BY id DESC LIMIT 51`)
  report.detail(`for comparison, workflow + status without the index hint (MariaDB intersects two indexes and sorts): ${(performance.now() - t0).toFixed(1)} ms (one read)`)

  // The waterfall in Chromium: 10k attempts against 100.
  const small = id(N + 2)
  await storage.writeExecutions([{ executionId: small, workflowId: 'small', workflowVersion: '1', definitionHash: 'ab'.repeat(32), status: 'success', instanceId: 'bench:1',
    input: new Uint8Array(0), startedAt: kBase, updatedAt: kBase + 50, endedAt: kBase + 50, totalTasks: 100, completedTasks: 100, failedTasks: 0 }])
  await storage.writeTaskResults(tasks.slice(0, 100).map(t => ({ ...t, executionId: small })))
  await storage.writeSpans(spans.slice(0, 100).map(s => ({ ...s, executionId: small, spanId: 'a' + s.spanId.slice(1) })))
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const draw = async (execution: string, bars: number): Promise<number[]> => {
      const out: number[] = []
      for (let i = 0; i < 6; i++) {
        await page.goto('about:blank') // a fresh page each round: the same URL again would not reload
        await page.goto(`${base}/#/executions/${execution}`)
        const canvas = page.locator(`canvas.waterfall[data-bars="${bars}"]`)
        await canvas.waitFor({ timeout: 60_000 })
        if (i > 0) out.push(Number(await canvas.getAttribute('data-render-ms')))
      }
      return out
    }
    const smallMs = await draw(small, 100)
    const bigMs = await draw(big, BIG_TASKS)
    report.add({ name: 'waterfall of 10k attempts, canvas drawing', value: percentile(bigMs, 50), unit: 'ms', baseline: { name: '100 attempts', value: percentile(smallMs, 50), kind: 'reference' } })
    report.detail(`waterfall ms per round: 10k ${bigMs.join(', ')}; 100 ${smallMs.join(', ')}`)
  } finally {
    await browser.close()
  }
  handler.close()
  server.close()
  report.note(`${REQUESTS} sequential requests per figure after 5 warm-up ones, client and server in one process; MariaDB on the same 2-core box, loaded by other work`)
  report.write()
} finally {
  await storage.close()
  await db.drop()
}
