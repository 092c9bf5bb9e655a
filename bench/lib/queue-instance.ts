/**
 * A serving instance of the queue scenario, in a process of its own:
 *   node --import tsx bench/lib/queue-instance.ts <mysql-uri> <redis-url> <prefix> <iterations> <threads> <concurrency>
 * Prints "ready" once it serves; closes on SIGTERM. With GRAPH_TASK_BENCH_PROFILE=<dir> it
 * records a CPU profile of its main thread from "ready" to SIGTERM (the serving, not the
 * start-up) and writes it to <dir>/instance-<pid>.cpuprofile.
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
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
const profileDir = process.env.GRAPH_TASK_BENCH_PROFILE
const session = profileDir === undefined ? undefined : new Session()
if (session !== undefined) {
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
}
process.stdout.write('ready\n')
process.on('SIGTERM', () => {
  void (async () => {
    if (session !== undefined) {
      const { profile } = await session.post('Profiler.stop')
      writeFileSync(`${profileDir}/instance-${process.pid}.cpuprofile`, JSON.stringify(profile))
    }
    await engine.close()
    await queue.close()
    process.exit(0)
  })()
})
