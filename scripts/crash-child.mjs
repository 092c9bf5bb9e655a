// The process the crash harness kills (scripts/crash-harness.mjs): an engine on MySQL
// running many small workflows at once, some failing, some retried, then closing.
// GT_DB holds the storage options (JSON, with its own tablePrefix); GT_RUN_MS how long
// it starts new executions before it closes; GT_CANCEL=1 closes with { cancel: true }.
// Prints `ready`, then `closing` the moment it calls close(), then `closed`.
import pino from 'pino'
import { createWorkflow, Engine } from '../dist/index.js'
import { MySQLStorage } from '../dist/mysql.js'

const shared = new URL('../workflows/shared/handlers.mjs', import.meta.url).href
const subjects = new URL('../workflows/test-subjects/', import.meta.url)
const runMs = Number(process.env.GT_RUN_MS ?? 1000)

const engine = new Engine({
  threads: 2,
  storage: new MySQLStorage(JSON.parse(process.env.GT_DB)),
  logger: pino({ level: 'silent' }),
  // Short flushes: many small transactions, so that a kill lands inside or between them.
  tracer: { flushInterval: 5 },
  retry: { retryDelay: 1, maxRetryDelay: 5 },
  heartbeatInterval: 200,
  heartbeatTimeout: 2000,
  closeTimeout: 3000
})

const workflows = [
  createWorkflow('diamond')
    .addTask('a', { handler: `${shared}#noop` })
    .addTask('b', { handler: `${shared}#spin`, dependsOn: ['a'], input: { us: 300 } })
    .addTask('c', { handler: `${shared}#echo`, dependsOn: ['a'] })
    .addTask('d', { handler: `${shared}#noop`, dependsOn: ['b', 'c'] })
    .build(),
  // the first attempt of `flaky` fails: an automatic retry
  createWorkflow('flaky')
    .addTask('a', { handler: `${shared}#noop` })
    .addTask('flaky', { handler: new URL('flaky.mjs', subjects), dependsOn: ['a'], input: { succeedOn: 2 }, retry: { maxAutoRetries: 2 } })
    .addTask('z', { handler: `${shared}#noop`, dependsOn: ['flaky'] })
    .build(),
  // fails after one automatic retry: a failure case, its dependent skipped
  createWorkflow('doomed')
    .addTask('a', { handler: `${shared}#spin`, input: { us: 200 } })
    .addTask('boom', { handler: new URL('fail.mjs', subjects), dependsOn: ['a'], input: { code: 'E_BOOM' }, retry: { maxAutoRetries: 1 } })
    .addTask('never', { handler: `${shared}#noop`, dependsOn: ['boom'] })
    .build()
]
for (const wf of workflows) await engine.publishWorkflow(wf)
process.stdout.write('ready\n')

const inFlight = new Set()
const failed = []
let n = 0
const stopAt = Date.now() + runMs
while (Date.now() < stopAt) {
  while (inFlight.size < 12) {
    const wf = workflows[n++ % workflows.length]
    const run = engine.execute(wf.id, { n }).then(result => {
      if (result.status === 'failed') failed.push(result.executionId)
    }).finally(() => inFlight.delete(run))
    inFlight.add(run)
    // now and then a manual retry of an earlier failure: it fails again and reopens its case
    if (n % 10 === 0 && failed.length > 0) {
      const retry = engine.manualRetry(failed.shift()).catch(() => {}).finally(() => inFlight.delete(retry))
      inFlight.add(retry)
    }
  }
  await Promise.race(inFlight)
}
process.stdout.write('closing\n')
await engine.close({ cancel: process.env.GT_CANCEL === '1' })
process.stdout.write('closed\n')
