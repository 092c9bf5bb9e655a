#!/usr/bin/env node
// How large inputs and outputs are kept in MySQL: stored in parts (blobs, migration 003),
// measured here against what compression would give, on the same values.
//
//   node scripts/measure-large-values.mjs [--url mysql://root@127.0.0.1:3306/test] [--mb 20,100]
//
// For each size: the time to write one execution whose input is that large (one
// transaction, its parts included) and to read it back, with two kinds of value: random
// bytes (an image, an already-compressed file) and a v8-serialised Float64Array (numeric
// output); and for comparison the size and time of zlib deflate (level 1 and 6).
import { randomBytes } from 'node:crypto'
import v8 from 'node:v8'
import { deflateSync } from 'node:zlib'
import mysql from 'mysql2/promise'
import { MySQLStorage } from '../dist/mysql.js'

const argv = process.argv.slice(2)
const opt = (name, fallback) => { const i = argv.indexOf(`--${name}`); return i === -1 ? fallback : argv[i + 1] }
const url = new URL(opt('url', process.env.GRAPH_TASK_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'))
const sizes = opt('mb', '20,100').split(',').map(Number)

const connection = {
  host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username || 'root'),
  password: decodeURIComponent(url.password), database: url.pathname.slice(1)
}
const prefix = `measure_${Date.now().toString(36)}_`
const storage = new MySQLStorage({ ...connection, tablePrefix: prefix, readTimeout: 120_000 })
await storage.init()

function values (mb) {
  const n = mb * 1024 * 1024
  const floats = new Float64Array(n / 8)
  for (let i = 0; i < floats.length; i++) floats[i] = Math.sin(i / 100) * 1000
  return { random: new Uint8Array(randomBytes(n)), floats: new Uint8Array(v8.serialize(floats)) }
}

function ms (start) {
  return Math.round(Number(process.hrtime.bigint() - start) / 1e5) / 10
}

let id = 0
console.log(`max_allowed_packet ${storage.maxAllowedPacket} bytes`)
console.log('value      | MB     | write ms | read ms | deflate-1 ratio, ms | deflate-6 ratio, ms')
for (const mb of sizes) {
  for (const [kind, input] of Object.entries(values(mb))) {
    const execId = '01MEASURE' + String(++id).padStart(17, '0')
    const record = { id: execId, workflowId: 'm', workflowVersion: '1', definitionHash: 'ab'.repeat(32), status: 'success', instanceId: 'm', input, startedAt: Date.now(), updatedAt: Date.now(), endedAt: Date.now(), totalTasks: 0, completedTasks: 0, failedTasks: 0 }
    let t = process.hrtime.bigint()
    await storage.writeRecords({ executions: [record], tasks: [], retries: [] })
    const write = ms(t)
    t = process.hrtime.bigint()
    const back = await storage.getExecution(execId)
    const read = ms(t)
    if (!Buffer.from(back.input).equals(Buffer.from(input))) throw new Error('the value came back different')
    const z = level => { const s = process.hrtime.bigint(); const out = deflateSync(input, { level }); return `${(out.length / input.length).toFixed(3)}, ${ms(s)}` }
    console.log(`${kind.padEnd(10)} | ${(input.length / 2 ** 20).toFixed(1).padStart(6)} | ${String(write).padStart(8)} | ${String(read).padStart(7)} | ${z(1).padStart(19)} | ${z(6).padStart(19)}`)
  }
}
await storage.close()
// The tables of this run go with it.
const admin = await mysql.createConnection(connection)
const [tables] = await admin.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE ?', [connection.database, `${prefix}%`])
for (const { t } of tables) await admin.query(`DROP TABLE \`${t}\``)
await admin.end()
