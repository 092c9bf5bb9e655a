// One graph-task instance in a process of its own, for tests of what instances share
// through MySQL. Usage: node instance.mjs <action> [arg] [dir] with GT_DB (JSON storage
// options), GT_HEARTBEAT ("interval,timeout" ms), GT_DURABILITY ('batched' or 'task') and
// GT_FLUSH (the tracer's flushInterval, ms); with GT_DIE=1 the process kills itself
// (SIGKILL) as soon as the action resolves, before close() can write anything. Actions: run, retry,
// retry-when-free, failed, abandon, stats, wait-interrupted. Publishes the workflows of
// workflows/test-subjects/recoverable.mjs unless GT_PUBLISH=0, prints one JSON line
// { ok, value } or { ok: false, code, message }, and exits.
import pino from 'pino'
import { Engine } from '../../dist/index.js'
import { MySQLStorage } from '../../dist/mysql.js'
import * as workflows from '../../workflows/test-subjects/recoverable.mjs'

const [action, arg, dir] = process.argv.slice(2)
const [heartbeatInterval, heartbeatTimeout] = (process.env.GT_HEARTBEAT ?? '5000,30000').split(',').map(Number)
const engine = new Engine({
  threads: 1,
  storage: new MySQLStorage(JSON.parse(process.env.GT_DB)),
  logger: pino({ level: 'silent' }),
  tracer: { flushInterval: Number(process.env.GT_FLUSH ?? 50) },
  durability: process.env.GT_DURABILITY ?? 'batched',
  heartbeatInterval,
  heartbeatTimeout
})

async function act () {
  if (process.env.GT_PUBLISH !== '0') {
    for (const wf of new Set(Object.values(workflows))) await engine.publishWorkflow(wf)
  }
  switch (action) {
    case 'run':
      // The id goes out first: a test may kill this process while the execution runs.
      engine.on('execution.started', e => { process.stdout.write(JSON.stringify({ started: e.executionId }) + '\n') })
      return engine.execute(arg, { dir })
    case 'retry': return engine.manualRetry(arg)
    case 'retry-when-free': {
      // Retries until the case is no longer claimed by another instance (its claim expired).
      for (;;) {
        try {
          return await engine.manualRetry(arg)
        } catch (err) {
          if (err.code !== 'RETRY_CONFLICT') throw err
        }
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
    case 'failed': return engine.getFailedExecutions({ status: ['pending', 'retrying', 'recovered', 'abandoned'] })
    case 'abandon': return engine.abandonRetry(arg, 'test')
    case 'stats': return engine.getRetryStatistics()
    case 'wait-interrupted': {
      // Stays alive, heartbeating, until a case with reason "interrupted" shows up.
      for (;;) {
        const list = await engine.getFailedExecutions()
        const found = list.find(f => f.reason === 'interrupted' && f.executionId === arg)
        if (found !== undefined) return found
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
    default: throw new Error(`unknown action ${action}`)
  }
}

let out
try {
  out = { ok: true, value: await act() }
} catch (err) {
  out = { ok: false, code: err.code, message: err.message }
}
if (process.env.GT_DIE === '1') {
  // A write to a pipe is synchronous on Linux: the line is out before the kill.
  process.stdout.write(JSON.stringify(out) + '\n')
  process.kill(process.pid, 'SIGKILL')
}
await engine.close()
process.stdout.write(JSON.stringify(out) + '\n')
