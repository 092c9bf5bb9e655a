/**
 * Scenario purge: removing a million old spans by dropping their day
 * partitions (what `storage.purge()` does) against `DELETE ... LIMIT` batches on
 * the same table without partitions (what a purge without them would do), and what
 * each costs an engine that keeps writing executions to the same database meanwhile.
 *
 *   bp_ storage   spans partitioned by day (migration 004); past days made while empty,
 *                 as if the storage had run for ten days; purge({ before }) drops three
 *   bf_ storage   the same tables, spans without partitions; DELETE ... WHERE start_time
 *                 < cut LIMIT 10000 until nothing is left, on a connection of its own
 *
 * Both tables get the same rows, loaded with INSERT ... SELECT from MariaDB's
 * seq_1_to_N (MariaDB only). Each storage has an engine running 2-task executions,
 * 4 at a time, durability 'task' (execute() waits for its commits); the p99 of execute() is measured for a window with no purge (the
 * baseline), then from the start of the purge until it ends and the window has passed.
 * First, what partitioning costs the hot path: writeSpans() of 512-span batches into
 * each table, interleaved rounds, spans per second.
 *   npx tsx bench/purge.bench.ts [--rows 1000000] [--batch 10000] [--window 3000]
 */
import { parseArgs } from 'node:util'
import pino from 'pino'
import { Engine, createWorkflow, type SpanRecord } from '../dist/index.js'
import { MySQLStorage } from '../dist/mysql.js'
import { createDatabase } from './lib/mysql.js'
import { NOOP } from './lib/pool.js'
import { interleave, median, Report, THREADS, timed } from './lib/report.js'

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '10000' }, window: { type: 'string', default: '3000' } }
})
const ROWS = Number(values.rows)
const BATCH = Number(values.batch)
const WINDOW = Number(values.window)
const kDay = 86_400_000
const today = Math.floor(Date.now() / kDay) * kDay
const cut = today - 7 * kDay
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

const report = new Report('purge', `purge of ${ROWS.toLocaleString('en-US')} spans older than the cut: day partitions dropped vs DELETE ... LIMIT ${BATCH} batches`)
const db = await createDatabase('purge')
const engines: Engine[] = []

/** Spans of three days, ten to seven days ago, with execution ids that sort before any real one. */
async function load (table: string): Promise<number> {
  const t0 = performance.now()
  const step = (3 * kDay / ROWS / 1000).toFixed(6)
  await db.connection.query(`INSERT INTO ${table} (execution_id, span_id, trace_id, parent_span_id, task_id, name, start_time, end_time, ` +
    'status_code, status_message, attributes, events) SELECT LPAD(seq DIV 20, 26, \'0\'), LPAD(HEX(seq), 16, \'0\'), REPEAT(\'a\', 32), NULL, ' +
    `CONCAT('t', seq MOD 20), CONCAT('t', seq MOD 20), '${day(today - 10 * kDay)}' + INTERVAL seq * ${step} SECOND, ` +
    `'${day(today - 10 * kDay)}' + INTERVAL seq * ${step} SECOND, 'OK', NULL, '{"task.attempt":1,"task.run_ms":0.5}', NULL FROM seq_1_to_${ROWS}`)
  return performance.now() - t0
}

async function engineOn (storage: MySQLStorage): Promise<Engine> {
  // durability 'task': execute() resolves once its results are committed, so that it feels the table's locks.
  const engine = new Engine({ threads: THREADS, storage, durability: 'task', logger: pino({ level: 'silent' }) })
  engines.push(engine)
  await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: NOOP }).addTask('b', { handler: NOOP, dependsOn: ['a'] }).build())
  return engine
}

/** execute() latencies, 4 at a time, until `busy` has settled and `window` ms have passed. */
async function latencies (engine: Engine, busy: Promise<unknown>): Promise<number[]> {
  let settled = false
  void busy.finally(() => { settled = true })
  const started = performance.now()
  const out: number[] = []
  await Promise.all([1, 2, 3, 4].map(async () => {
    while (!settled || performance.now() - started < WINDOW) {
      const t0 = performance.now()
      await engine.execute('w', {})
      out.push(performance.now() - t0)
    }
  }))
  await busy
  return out
}

/** 512-span batches of today, as the tracer sends them; ids unique per call. */
let spanSerial = 0
function spanBatches (count: number): SpanRecord[][] {
  const out: SpanRecord[][] = []
  for (let b = 0; b < count / 512; b++) {
    const batch: SpanRecord[] = []
    for (let i = 0; i < 512; i++) {
      const n = spanSerial++
      const t = Date.now() + i / 1000
      batch.push({ traceId: 'b'.repeat(32), spanId: n.toString(16).padStart(16, '0'), executionId: '01' + String(n >> 4).padStart(24, '0'),
        taskId: `t${i % 20}`, name: `t${i % 20}`, startTime: t, endTime: t + 0.5, statusCode: 'OK', attributes: { 'graph_task.task.attempt': 1, 'graph_task.task.run_ms': 0.5 } })
    }
    out.push(batch)
  }
  return out
}

function p99 (samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]
}

try {
  const partitioned = new MySQLStorage({ uri: db.uri, tablePrefix: 'bp_' })
  const flat = new MySQLStorage({ uri: db.uri, tablePrefix: 'bf_' })
  await Promise.all([partitioned.init(), flat.init()])
  await db.connection.query('ALTER TABLE bf_spans REMOVE PARTITIONING')
  const past = Array.from({ length: 11 }, (_, n) => today - (10 - n) * kDay)
  await db.connection.query(`ALTER TABLE bp_spans REORGANIZE PARTITION p${day(today).replaceAll('-', '')} INTO (` +
    past.map(d => `PARTITION p${day(d).replaceAll('-', '')} VALUES LESS THAN ('${day(d + kDay)}')`).join(', ') + ')')
  const WRITE = 51_200
  const writes = await interleave({
    partitioned: async () => { const b = spanBatches(WRITE); return timed(async () => { for (const x of b) await partitioned.writeSpans(x) }) },
    flat: async () => { const b = spanBatches(WRITE); return timed(async () => { for (const x of b) await flat.writeSpans(x) }) }
  }, 3)
  report.add({
    name: 'writeSpans() into spans partitioned by day',
    value: WRITE / median(writes.partitioned) * 1000,
    unit: 'spans/s',
    baseline: { name: 'the same table without partitions', value: WRITE / median(writes.flat) * 1000, kind: 'fair' },
    target: { op: '>=', value: 0.9 }
  })
  report.detail(`loaded the partitioned table in ${(await load('bp_spans')).toFixed(0)} ms, the flat one in ${(await load('bf_spans')).toFixed(0)} ms`)

  const dropEngine = await engineOn(partitioned)
  const dropBase = await latencies(dropEngine, Promise.resolve())
  let dropMs = 0
  const dropping = (async () => {
    const t0 = performance.now()
    const result = await partitioned.purge({ before: cut })
    dropMs = performance.now() - t0
    report.detail(`purge(): ${result.removed.spans} spans in partitions ${result.partitionsDropped.spans.join(', ')}`)
  })()
  const dropDuring = await latencies(dropEngine, dropping)

  const deleteEngine = await engineOn(flat)
  const deleteBase = await latencies(deleteEngine, Promise.resolve())
  let deleteMs = 0
  let deleted = 0
  const deleting = (async () => {
    const t0 = performance.now()
    for (;;) {
      const [r] = await db.connection.query('DELETE FROM bf_spans WHERE start_time < ? LIMIT ' + BATCH, [new Date(cut).toISOString().slice(0, 19).replace('T', ' ')])
      const n = (r as { affectedRows: number }).affectedRows
      deleted += n
      if (n === 0) break
    }
    deleteMs = performance.now() - t0
  })()
  const deleteDuring = await latencies(deleteEngine, deleting)
  report.detail(`DELETE batches removed ${deleted} spans`)

  report.add({
    name: `purge of ${ROWS} spans: purge() dropping day partitions`,
    value: dropMs,
    unit: 'ms',
    baseline: { name: `DELETE ... LIMIT ${BATCH} batches`, value: deleteMs, kind: 'fair' },
    target: { op: '<=', value: 0.1 }
  })
  report.add({
    name: 'p99 of execute() during the partition drop',
    value: p99(dropDuring),
    unit: 'ms',
    baseline: { name: 'p99 with no purge', value: p99(dropBase), kind: 'reference' },
    target: { op: '<=', value: 1.5 }
  })
  report.add({
    name: `p99 of execute() during the DELETE batches`,
    value: p99(deleteDuring),
    unit: 'ms',
    baseline: { name: 'p99 with no purge', value: p99(deleteBase), kind: 'reference' }
  })
  report.detail(`execute() samples: drop ${dropBase.length} base / ${dropDuring.length} during; delete ${deleteBase.length} base / ${deleteDuring.length} during`)
  report.note('Engines run with durability \'task\': execute() waits for its commits. ' +
    'DELETE batches leave InnoDB pages of delete-marked rows for the purge thread; the drop frees the partition files.')
  report.write()
} finally {
  await Promise.all(engines.map(e => e.close()))
  await db.drop()
}
