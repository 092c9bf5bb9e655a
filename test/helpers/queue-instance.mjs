// One serving graph-task instance in a process of its own, for the execution queue tests.
// Env: GT_DB (JSON storage options), GT_REDIS (URL), GT_PREFIX (Redis key prefix), GT_THREADS,
// GT_CONCURRENCY, GT_DURABILITY ('batched' or 'task'), GT_STALL ("lockDuration,stalledInterval"
// ms, or 'default' for serve()'s own), GT_FLUSH (tracer flushInterval ms), GT_REDELIVERIES (maxRedeliveries), GT_EVENTS, GT_CLOSE ('cancel': SIGTERM closes with
// { cancel: true }), GT_RATE ("workflowId:max:duration": rateLimits for that workflow), GT_LOG (a pino level for the engine's log on stderr; silent by default). Publishes workflows/test-subjects/queued.mjs, serves, prints
// {"ready": instanceId}; on SIGTERM prints {"closing": true}, closes, prints {"closed": true}.
import pino from 'pino'
import { Engine } from '../../dist/index.js'
import { ExecutionQueue } from '../../dist/queue.js'
import { MySQLStorage } from '../../dist/mysql.js'
import * as workflows from '../../workflows/test-subjects/queued.mjs'

const env = process.env
const [lockDuration, stalledInterval] = env.GT_STALL === 'default' ? [] : (env.GT_STALL ?? '2000,500').split(',').map(Number)
const engine = new Engine({
  threads: Number(env.GT_THREADS ?? 1),
  storage: new MySQLStorage(JSON.parse(env.GT_DB)),
  logger: pino({ level: env.GT_LOG ?? 'silent' }, pino.destination(2)),
  tracer: { flushInterval: Number(env.GT_FLUSH ?? 50) },
  durability: env.GT_DURABILITY ?? 'batched'
})
const queue = new ExecutionQueue({ connection: env.GT_REDIS, prefix: env.GT_PREFIX })
for (const wf of Object.values(workflows)) await engine.publishWorkflow(wf)
await engine.serve(queue, {
  concurrency: Number(env.GT_CONCURRENCY ?? 4),
  ...(lockDuration === undefined ? {} : { lockDuration, stalledInterval }),
  maxRedeliveries: Number(env.GT_REDELIVERIES ?? 1),
  events: env.GT_EVENTS ?? 'execution',
  ...(env.GT_RATE === undefined ? {} : rateLimits(env.GT_RATE))
})

function rateLimits (text) {
  const [workflowId, max, duration] = text.split(':')
  return { rateLimits: { [workflowId]: { max: Number(max), duration: Number(duration) } } }
}
process.stdout.write(JSON.stringify({ ready: engine.instanceId }) + '\n')
process.on('SIGTERM', async () => {
  process.stdout.write(JSON.stringify({ closing: true }) + '\n')
  await engine.close({ cancel: env.GT_CLOSE === 'cancel' })
  await queue.close()
  process.stdout.write(JSON.stringify({ closed: true }) + '\n')
  process.exit(0)
})
