/**
 * A serving instance of the queue scenario, in a process of its own:
 *   node --import tsx bench/lib/queue-instance.ts <mysql-uri> <redis-url> <prefix> <iterations> <threads> <concurrency>
 * Prints "ready" once it serves; closes on SIGTERM.
 */
import pino from 'pino'
import { Engine } from '../../dist/index.js'
import { ExecutionQueue } from '../../dist/queue.js'
import { queueWorkflows } from './queue-workflows.js'
import { mysqlStorage } from './storage.js'

const [uri, redis, prefix, iterations, threads, concurrency] = process.argv.slice(2)
const engine = new Engine({ threads: Number(threads), storage: await mysqlStorage(uri), logger: pino({ level: 'warn' }) })
const queue = new ExecutionQueue({ connection: redis, prefix })
for (const wf of queueWorkflows(Number(iterations))) await engine.publishWorkflow(wf)
await engine.serve(queue, { concurrency: Number(concurrency) })
process.stdout.write('ready\n')
process.on('SIGTERM', () => {
  void engine.close().then(() => queue.close()).then(() => process.exit(0))
})
