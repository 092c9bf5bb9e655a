/**
 * Scenario 3, the tracer: spans written into the local MariaDB/MySQL.
 *
 *   Recorder + MySQLStorage   N spans recorded on the main thread, then flush():
 *                             spans/s until they are in the table (the engine's own
 *                             path: src/telemetry/recorder.ts with its defaults, 512 per INSERT)
 *   mysql2 bulk insert        the very rows the recorder wrote, read back, inserted into
 *                             a copy of the table with plain multi-row `INSERT ... VALUES ?`
 *                             of 512 rows: the ceiling, with no encoding left to do
 *   mysql2 pipelined          the same statements, three in flight on a pool of three
 *                             connections: what a hand-written writer with the
 *                             recorder's own pipelining (connectionLimit - 1 batches) does
 *   task spans (columns)      the same number of spans recorded as the scheduler records
 *                             them (recordTaskSpan with one SpanOwner per execution: no
 *                             SpanRecord on the main thread, encoded from columns on the
 *                             writer thread), against the INSERT of their own rows read back
 * (One autocommitted INSERT per row, what the Go engine did, is no longer measured: it
 * was a straw man, ~17x slower than either.)
 * Main-thread cost: ns per recordSpan() call (the hot path), the main thread's own CPU per
 * span written (recording and the hand-over to the storage's writer thread, from Linux
 * schedstat), and the whole process's CPU per span (process.cpuUsage(), every thread),
 * against the process CPU per row of the plain INSERT (mysql2's escaping and driver): on
 * a box whose cores the server shares, what the client burns is what the server lacks.
 * Engine throughput: executions/s of a CPU-bound workflow (32 spin tasks of 1 ms and a
 * spin sink) with MemoryStorage versus MySQLStorage, history flushed inside the timing.
 *
 * The Recorder is internal (not exported by the package), so it is imported from src/
 * through tsx; MySQLStorage comes from dist/. Each run creates and drops its own database.
 *   npx tsx bench/tracer.bench.ts [--rounds 5] [--spans 50000] [--executions 50]
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import pino from 'pino'
import mysql, { type RowDataPacket } from 'mysql2/promise'
import { Engine, type ExecutionStorage, type SpanRecord } from '../dist/index.js'
import { Recorder, kTracerDefaults } from '../src/telemetry/recorder.js'
import type { SpanOwner } from '../src/telemetry/span-rows.js'
import { fanIn, toWorkflow } from './lib/graphs.js'
import { createDatabase } from './lib/mysql.js'
import { SPIN } from './lib/pool.js'
import { interleave, median, Report, THREADS, timed } from './lib/report.js'
import { mysqlStorage } from './lib/storage.js'
import { sampled } from './lib/elu.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    spans: { type: 'string', default: '50000' },
    executions: { type: 'string', default: '50' }
  }
})
const rounds = Number(values.rounds)
const SPANS = Number(values.spans)
const EXECUTIONS = Number(values.executions)
const TASKS_PER_EXECUTION = 500

const hex = (bytes: number): string => randomBytes(bytes).toString('hex')

/** Spans shaped like the scheduler's task spans (src/runtime/scheduler.ts #span). */
function makeSpans (n: number): SpanRecord[] {
  const spans: SpanRecord[] = new Array(n)
  let executionId = ''
  let traceId = ''
  let rootSpanId = ''
  let t = Date.now()
  for (let i = 0; i < n; i++) {
    if (i % TASKS_PER_EXECUTION === 0) {
      executionId = `01BENCH${hex(10).toUpperCase().slice(0, 19)}`
      traceId = hex(16)
      rootSpanId = hex(8)
    }
    const start = Math.round((t += 0.137) * 1000) / 1000
    const end = Math.round((start + 0.85) * 1000) / 1000
    const taskId = `t${Math.floor((i % TASKS_PER_EXECUTION) / 32)}-${i % 32}`
    spans[i] = {
      traceId,
      spanId: hex(8),
      parentSpanId: rootSpanId,
      executionId,
      taskId,
      name: taskId,
      startTime: start,
      endTime: end,
      statusCode: 'OK',
      attributes: { 'graph_task.task.attempt': 1, 'graph_task.task.queue_wait_ms': 0.042, 'graph_task.task.run_ms': 0.85, 'thread.id': 1 + (i & 1), 'graph_task.task.status': 'success' }
    }
  }
  return spans
}

/**
 * The same spans as the scheduler records them: one SpanOwner per execution and a call
 * of recordTaskSpan per attempt (columns, no SpanRecord made on the main thread).
 */
interface TaskSpans { owners: SpanOwner[], count: number }
function makeTaskSpans (n: number): TaskSpans {
  const owners: SpanOwner[] = []
  let t = Date.now()
  for (let at = 0; at < n; at += TASKS_PER_EXECUTION) {
    const tasks = Math.min(TASKS_PER_EXECUTION, n - at)
    const readyAt = new Float64Array(tasks)
    const taskStart = new Float64Array(tasks)
    const taskEnd = new Float64Array(tasks)
    for (let i = 0; i < tasks; i++) {
      taskStart[i] = Math.round((t += 0.137) * 1000) / 1000
      readyAt[i] = Math.round((taskStart[i] - 0.042) * 1000) / 1000
      taskEnd[i] = Math.round((taskStart[i] + 0.85) * 1000) / 1000
    }
    const taskIds = Array.from({ length: tasks }, (_, i) => `t${Math.floor(i / 32)}-${i % 32}`)
    owners.push({
      id: `01BENCH${hex(10).toUpperCase().slice(0, 19)}`,
      traceId: hex(16),
      rootSpanId: hex(8),
      attempts: new Uint16Array(tasks).fill(1),
      readyAt,
      taskStart,
      taskEnd,
      taskIdOf: i => taskIds[i],
      mapIndexOf: () => -1
    })
  }
  return { owners, count: n }
}

const report = new Report('tracer', 'spans into MariaDB: Recorder + MySQLStorage vs plain mysql2; engine with MySQL on')
const db = await createDatabase('tracer')
const conn = db.connection
const logger = pino({ level: 'warn' }, pino.destination(2))
let recorderStorage: ExecutionStorage | undefined
let memoryEngine: Engine | undefined
let mysqlEngine: Engine | undefined
try {
  // --- spans/s: Recorder + MySQLStorage vs mysql2 multi-row INSERT ---
  recorderStorage = await mysqlStorage(db.uri, 'rec_')
  const recorder = new Recorder(recorderStorage, { ...kTracerDefaults }, logger)
  await recorder.ready()
  await conn.query('SET SESSION time_zone = \'+00:00\'')
  await conn.query('CREATE TABLE bulk_spans LIKE rec_spans')
  const recorderRates: number[] = []
  const recordNs: number[] = []
  const cpuUs: number[] = []
  const mainCpuUs: number[] = []
  const bulkRates: number[] = []
  const pipelinedRates: number[] = []
  const taskRates: number[] = []
  const taskBulkRates: number[] = []
  const taskCpuUs: number[] = []
  const bulkCpuUs: number[] = []
  const taskBulkCpuUs: number[] = []
  const pool = mysql.createPool({ uri: db.uri, connectionLimit: 3 })
  // One untimed round to warm the JIT, the pool's connections and InnoDB.
  for (let r = -1; r < rounds; r++) {
    const spans = makeSpans(r < 0 ? 5000 : SPANS)
    const before = recorder.stats()
    const cpu0 = process.cpuUsage()
    let t1 = 0
    const t0 = performance.now()
    // The main thread's own CPU (schedstat): the writes' encoding and driver run on the storage's writer thread.
    const main = await sampled(async () => {
      for (let i = 0; i < spans.length; i++) recorder.recordSpan(spans[i])
      t1 = performance.now()
      await recorder.flush()
    })
    const t2 = performance.now()
    const cpu = process.cpuUsage(cpu0)
    const after = recorder.stats()
    if (after.spansWritten - before.spansWritten !== spans.length || after.spansDropped !== 0) {
      throw new Error(`recorder wrote ${after.spansWritten - before.spansWritten} of ${spans.length} spans (${after.spansDropped} dropped)`)
    }
    // The same rows, as the server holds them, for the baselines.
    const [rows, columns] = await conn.query<RowDataPacket[]>({ sql: 'SELECT * FROM rec_spans', rowsAsArray: true, dateStrings: true })
    const list = columns.map(c => `\`${c.name}\``).join(', ')
    await conn.query('TRUNCATE TABLE rec_spans')
    await conn.query('TRUNCATE TABLE bulk_spans')
    // The baseline: the rows as a plain multi-row INSERT of 512 rows per statement; wall ms and CPU µs.
    const plainInsert = async (plain: RowDataPacket[]): Promise<{ ms: number, cpuUs: number }> => {
      const cpu0 = process.cpuUsage()
      const ms = await timed(async () => {
        for (let i = 0; i < plain.length; i += 512) await conn.query(`INSERT INTO bulk_spans (${list}) VALUES ?`, [plain.slice(i, i + 512)])
      })
      const cpu = process.cpuUsage(cpu0)
      return { ms, cpuUs: cpu.user + cpu.system }
    }
    const bulk = await plainInsert(rows)
    await conn.query('TRUNCATE TABLE bulk_spans')
    const pipelinedMs = await timed(async () => {
      const statements: Array<Promise<unknown>> = []
      for (let i = 0; i < rows.length; i += 512) statements.push(pool.query(`INSERT INTO bulk_spans (${list}) VALUES ?`, [rows.slice(i, i + 512)]))
      await Promise.all(statements)
    })
    // The scheduler's own path: task spans as columns, against the same INSERT of their rows.
    const taskSpans = makeTaskSpans(r < 0 ? 5000 : SPANS)
    const beforeTasks = recorder.stats().spansWritten
    const cpuTasks0 = process.cpuUsage()
    const tasksMs = await timed(async () => {
      for (const owner of taskSpans.owners) {
        for (let i = 0; i < owner.readyAt.length; i++) {
          recorder.recordTaskSpan(owner, i, 1, owner.readyAt[i], owner.taskStart[i], owner.taskEnd[i], 1 + (i & 1), null)
        }
      }
      await recorder.flush()
    })
    const cpuTasks = process.cpuUsage(cpuTasks0)
    if (recorder.stats().spansWritten - beforeTasks !== taskSpans.count) throw new Error('the recorder did not write every task span')
    const [taskRows] = await conn.query<RowDataPacket[]>({ sql: 'SELECT * FROM rec_spans', rowsAsArray: true, dateStrings: true })
    await conn.query('TRUNCATE TABLE rec_spans')
    const taskBulk = await plainInsert(taskRows)
    await conn.query('TRUNCATE TABLE bulk_spans')
    if (r < 0) continue
    taskRates.push(taskSpans.count / tasksMs * 1000)
    taskBulkRates.push(taskRows.length / taskBulk.ms * 1000)
    taskCpuUs.push((cpuTasks.user + cpuTasks.system) / taskSpans.count)
    taskBulkCpuUs.push(taskBulk.cpuUs / taskRows.length)
    pipelinedRates.push(rows.length / pipelinedMs * 1000)
    recorderRates.push(spans.length / (t2 - t0) * 1000)
    recordNs.push((t1 - t0) * 1e6 / spans.length)
    cpuUs.push((cpu.user + cpu.system) / spans.length)
    mainCpuUs.push(main.cpuMs * 1000 / spans.length)
    bulkRates.push(rows.length / bulk.ms * 1000)
    bulkCpuUs.push(bulk.cpuUs / rows.length)
  }
  await recorder.close(10_000)
  await recorderStorage.close()
  await pool.end()
  const rate = median(recorderRates)
  report.add({ name: `Recorder + MySQLStorage, ${SPANS / 1000}k spans, vs a plain multi-row INSERT of the same rows`, value: rate, unit: 'spans/s', baseline: { name: 'mysql2 multi-row INSERT of the same rows, 512 per statement', value: median(bulkRates), kind: 'fair' }, target: { op: '>=', value: 0.95 } })
  report.add({ name: `Recorder + MySQLStorage, ${SPANS / 1000}k spans, vs the same INSERTs three in flight on a pool`, value: rate, unit: 'spans/s', baseline: { name: 'mysql2 pool of 3 connections, 512 rows per statement, 3 statements in flight', value: median(pipelinedRates), kind: 'fair' } })
  report.add({
    name: `Recorder + MySQLStorage, ${SPANS / 1000}k task spans as the scheduler records them (columns), vs a plain multi-row INSERT of the same rows`,
    value: median(taskRates), unit: 'spans/s', baseline: { name: 'mysql2 multi-row INSERT of the same rows, 512 per statement', value: median(taskBulkRates), kind: 'fair' }, target: { op: '>=', value: 0.95 }
  })
  report.add({
    name: 'process CPU per task span written (columns), all threads', value: median(taskCpuUs), unit: 'us/span',
    baseline: { name: 'the plain multi-row INSERT of the same rows read back (mysql2 escaping and driver)', value: median(taskBulkCpuUs), kind: 'fair' }
  })
  report.add({ name: 'Recorder + MySQLStorage sustained', value: rate, unit: 'spans/s', target: { op: '>=', value: 50_000, of: 'value' } })
  report.add({ name: 'recordSpan() on the main thread', value: median(recordNs), unit: 'ns/span' })
  if (Number.isFinite(median(mainCpuUs))) report.add({ name: 'main-thread CPU per span written (record + hand-over; Linux schedstat)', value: median(mainCpuUs), unit: 'us/span' })
  report.add({
    name: 'process CPU per span written, all threads (record, hand-over, encoding, driver)', value: median(cpuUs), unit: 'us/span',
    baseline: { name: 'the plain multi-row INSERT of the same rows read back (mysql2 escaping and driver)', value: median(bulkCpuUs), kind: 'fair' }
  })

  // --- engine throughput, MemoryStorage vs MySQLStorage ---
  const wf = toWorkflow(fanIn(32), SPIN, { us: 1000 }, 'spin-fanin-32')
  memoryEngine = new Engine({ threads: THREADS })
  mysqlEngine = new Engine({ threads: THREADS, storage: await mysqlStorage(db.uri, 'eng_') })
  for (const engine of [memoryEngine, mysqlEngine]) await engine.publishWorkflow(wf)
  const run = (engine: Engine) => timed(async () => {
    const results = await Promise.all(Array.from({ length: EXECUTIONS }, () => engine.execute(wf.id)))
    if (results.some(r => r.status !== 'success')) throw new Error('an execution failed')
    await engine.flush()
  })
  const cases: Record<string, () => Promise<number>> = { memory: () => run(memoryEngine!), mysql: () => run(mysqlEngine!) }
  await interleave(cases, 1)
  const samples = await interleave(cases, rounds)
  const eps = (name: string): number => EXECUTIONS / median(samples[name]) * 1000
  report.add({
    name: 'engine, 33 spin tasks of 1 ms per execution: MySQL storage', value: eps('mysql'), unit: 'executions/s',
    baseline: { name: 'the same engine with memory storage', value: eps('memory'), kind: 'reference' }, target: { op: '>=', value: 0.95 }
  })
  const tracer = mysqlEngine.stats().tracer
  if (tracer.spansDropped > 0 || tracer.writeErrors > 0) report.note(`engine tracer: ${tracer.spansDropped} spans dropped, ${tracer.writeErrors} write errors`)
  report.note(`medians of ${rounds} rounds after one warm-up round; ${EXECUTIONS} executions submitted at once per engine measurement, engine.flush() inside the timing`)
  report.note('each round: the recorder with spans given as objects, then its rows read back and INSERTed by hand (one connection, then three); the recorder with task spans as columns, then its rows INSERTed by hand; the spans/s of every round are in the details, their spread is the load of the box')
  report.detail(`engine rounds (ms): memory ${samples.memory.map(x => x.toFixed(0)).join(', ')}; mysql ${samples.mysql.map(x => x.toFixed(0)).join(', ')}`)
  report.detail(`task spans/s per round: recorder ${taskRates.map(x => x.toFixed(0)).join(', ')}; multi-row INSERT ${taskBulkRates.map(x => x.toFixed(0)).join(', ')}`)
  report.detail(`spans/s per round: recorder ${recorderRates.map(x => x.toFixed(0)).join(', ')}; multi-row INSERT ${bulkRates.map(x => x.toFixed(0)).join(', ')}; pipelined ${pipelinedRates.map(x => x.toFixed(0)).join(', ')}`)
  report.write()
} finally {
  await memoryEngine?.close()
  await mysqlEngine?.close()
  await db.drop()
}
