#!/usr/bin/env node
// What group commit costs on MySQL: the recorder's whenCommitted, as a strict durability
// mode would use it (every task's result committed before its dependents start).
//
//   npx tsx scripts/measure-group-commit.mjs [--url mysql://root@127.0.0.1:3306/test] [--tasks 2000]
//
// Three shapes, each writing the same number of task records: one task per commit, one
// after the other (a chain: nothing to group); 16 tasks recorded in one turn of the event
// loop per commit (a fan-out finishing together); and no waiting at all (batched mode,
// one flush at the end) as the baseline.
import pino from 'pino'
import mysql from 'mysql2/promise'
import { MySQLStorage } from '../dist/mysql.js'
import { Recorder, kTracerDefaults } from '../src/telemetry/recorder.ts'

const argv = process.argv.slice(2)
const opt = (name, fallback) => { const i = argv.indexOf(`--${name}`); return i === -1 ? fallback : argv[i + 1] }
const url = new URL(opt('url', process.env.GRAPH_TASK_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'))
const tasks = Number(opt('tasks', 2000))
const connection = { host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username || 'root'), password: decodeURIComponent(url.password), database: url.pathname.slice(1) }
const prefix = `gc_${Date.now().toString(36)}_`
const storage = new MySQLStorage({ ...connection, tablePrefix: prefix })
await storage.init()
const recorder = new Recorder(storage, { ...kTracerDefaults, flushInterval: 600_000 }, pino({ level: 'silent' }))

let n = 0
const task = exec => ({ executionId: '01GC' + String(exec).padStart(22, '0'), taskId: `t${n++}`, name: 't', status: 'success', attempts: 1, startedAt: Date.now(), endedAt: Date.now(), duration: 0.1, output: new Uint8Array(64) })
const committed = () => new Promise(resolve => recorder.whenCommitted(resolve, null))

async function shape (name, perGroup, wait) {
  const exec = n
  recorder.recordExecution({ id: '01GC' + String(exec).padStart(22, '0'), workflowId: 'gc', workflowVersion: '1', definitionHash: 'ab'.repeat(32), status: 'running', instanceId: 'gc', input: new Uint8Array(8), startedAt: Date.now(), updatedAt: Date.now(), totalTasks: tasks, completedTasks: 0, failedTasks: 0 })
  const before = recorder.stats().commits
  const start = performance.now()
  for (let i = 0; i < tasks; i += perGroup) {
    for (let k = 0; k < perGroup; k++) recorder.recordTask(task(exec))
    if (wait) await committed()
  }
  await recorder.flush()
  const ms = performance.now() - start
  console.log(`${name.padEnd(34)} ${String(Math.round(tasks / ms * 1000)).padStart(7)} tasks/s  ${String(recorder.stats().commits - before).padStart(5)} transactions  ${(ms / tasks * 1000).toFixed(0).padStart(6)} µs/task`)
}

console.log(`${tasks} task records of 64-byte outputs per shape, MySQL at ${connection.host}:${connection.port}`)
await shape('batched (no wait, one flush)', tasks, false)
await shape('group commit, 1 task per commit', 1, true)
await shape('group commit, 16 tasks per commit', 16, true)
await recorder.close(5000)
await storage.close()
const admin = await mysql.createConnection(connection)
const [tables] = await admin.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?', [connection.database, `${prefix}%`])
for (const { t } of tables) await admin.query(`DROP TABLE \`${t}\``)
await admin.end()
