#!/usr/bin/env node
// Crash harness: runs an engine on MySQL in a child process (scripts/crash-child.mjs),
// kills it with SIGKILL at a random moment, while it runs or while it closes, and after
// each kill checks with plain SQL what the crash left in the database:
//   - no terminal execution without all its task rows (total_tasks of them)
//   - no task row without its execution row
//   - no failure case whose execution (or latest attempt) is missing
// Every child writes into the same tables, so later runs also see what earlier kills left.
//
//   node scripts/crash-harness.mjs [--kills 200] [--url mysql://root@127.0.0.1:3306/test] [--prefix crash_]
//
// Exits 1 when an invariant does not hold. Build first (npm run build): the child runs dist/.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import mysql from 'mysql2/promise'

const kChild = fileURLToPath(new URL('./crash-child.mjs', import.meta.url))

/**
 * The invariants, each as the ids that break it (empty when it holds).
 * @param {import('mysql2/promise').Connection} conn
 * @param {string} prefix
 */
export async function checkInvariants (conn, prefix) {
  const t = name => `\`${prefix}${name}\``
  // A kill during the first child's migrations may leave a table not yet created: nothing was written to it.
  const ids = async sql => (await conn.query(sql).catch(err => { if (err.errno === 1146) return [[]]; throw err }))[0].map(r => r.id)
  return {
    terminalWithoutTasks: await ids(`SELECT e.id FROM ${t('executions')} e LEFT JOIN ${t('task_results')} r ON r.execution_id = e.id
      WHERE e.status IN ('success', 'failed', 'cancelled') GROUP BY e.id, e.total_tasks HAVING COUNT(r.task_id) <> e.total_tasks`),
    tasksWithoutExecution: await ids(`SELECT DISTINCT r.execution_id AS id FROM ${t('task_results')} r
      LEFT JOIN ${t('executions')} e ON e.id = r.execution_id WHERE e.id IS NULL`),
    casesWithoutExecution: await ids(`SELECT c.execution_id AS id FROM ${t('retry_records')} c
      LEFT JOIN ${t('executions')} e ON e.id = c.execution_id LEFT JOIN ${t('executions')} l ON l.id = c.last_execution_id
      WHERE e.id IS NULL OR l.id IS NULL`)
  }
}

/** Runs the child once and kills it at a random moment of `phase`; resolves with what happened. */
function killOnce (db, prefix, phase, runMs) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, GT_DB: JSON.stringify({ ...db, tablePrefix: prefix }), GT_RUN_MS: String(runMs), GT_CANCEL: Math.random() < 0.5 ? '1' : '0' }
    const child = spawn(process.execPath, [kChild], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let killedAt = null
    const kill = delay => setTimeout(() => {
      if (child.exitCode === null) {
        killedAt = delay
        child.kill('SIGKILL')
      }
    }, delay)
    child.stdout.on('data', chunk => {
      const before = out
      out += chunk
      // during a run: anywhere in runMs; during close: within its first 30 ms, where it writes the most
      if (phase === 'run' && !before.includes('ready') && out.includes('ready')) kill(Math.floor(Math.random() * runMs))
      if (phase === 'close' && !before.includes('closing') && out.includes('closing')) kill(Math.floor(Math.random() * 30))
    })
    child.stderr.on('data', chunk => { err += chunk })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`the child exited with ${code}: ${err.slice(-2000)}`))
      else resolve({ phase, killedAt, killed: signal === 'SIGKILL', closed: out.includes('closed') })
    })
  })
}

/**
 * Kills the child `kills` times, alternating runs and closes, and checks the invariants
 * after each kill.
 * @param {{ kills: number, db: object, prefix: string, runMs?: [number, number], log?: (line: string) => void }} options
 * @returns {Promise<{ kills: number, runs: object[], violations: object[] }>}
 */
export async function runCrashHarness ({ kills, db, prefix, runMs = [300, 1500], log = () => {} }) {
  const conn = await mysql.createConnection({ ...db, charset: 'UTF8MB4_BIN' })
  const runs = []
  const violations = []
  try {
    for (let i = 0; i < kills; i++) {
      const phase = i % 2 === 0 ? 'run' : 'close'
      const ms = runMs[0] + Math.floor(Math.random() * (runMs[1] - runMs[0]))
      const run = await killOnce(db, prefix, phase, ms)
      const broken = await checkInvariants(conn, prefix)
      const [[{ executions }]] = await conn.query(`SELECT COUNT(*) AS executions FROM \`${prefix}executions\``)
        .catch(err => { if (err.errno === 1146) return [[{ executions: 0 }]]; throw err })
      runs.push({ ...run, executions: Number(executions) })
      const found = Object.entries(broken).filter(([, list]) => list.length > 0)
      if (found.length > 0) violations.push({ kill: i + 1, ...run, ...Object.fromEntries(found) })
      const summary = found.map(([name, list]) => `${name}: ${list.length} (${list.slice(0, 3).join(', ')}${list.length > 3 ? ', ...' : ''})`)
      log(`kill ${i + 1}/${kills}: ${phase}${run.killed ? ` at +${run.killedAt} ms` : ' (ended before the kill)'}, ` +
        `${executions} executions stored, ${found.length === 0 ? 'every invariant holds' : `BROKEN: ${summary.join('; ')}`}`)
    }
  } finally {
    await conn.end()
  }
  return { kills, runs, violations }
}

function args (argv) {
  const out = { kills: 100, url: process.env.GRAPH_TASK_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test', prefix: `crash_${Date.now().toString(36)}_` }
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '')
    if (!(key in out)) throw new Error(`unknown option ${argv[i]} (known: --kills, --url, --prefix)`)
    out[key] = key === 'kills' ? Number(argv[i + 1]) : argv[i + 1]
  }
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { kills, url, prefix } = args(process.argv.slice(2))
  const u = new URL(url)
  const db = { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password), database: u.pathname.slice(1) }
  const result = await runCrashHarness({ kills, db, prefix, log: line => console.log(line) })
  const killed = result.runs.filter(r => r.killed).length
  console.log(`${killed} of ${kills} runs killed (${result.runs.filter(r => r.killed && r.phase === 'close').length} during close()); ` +
    `tables ${prefix}*; ${result.violations.length === 0 ? 'every invariant held after every kill' : `${result.violations.length} kills broke an invariant`}`)
  process.exitCode = result.violations.length === 0 ? 0 : 1
}
