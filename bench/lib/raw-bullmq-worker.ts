/**
 * The ceiling of the queue scenario: a plain BullMQ Worker in a process of its own whose
 * processor does nothing but say when it started, so that a job costs only what BullMQ and Redis cost.
 *   node --import tsx bench/lib/raw-bullmq-worker.ts <redis-url> <prefix> <queue> <concurrency>
 */
import { Worker } from 'bullmq'

const [redis, prefix, name, concurrency] = process.argv.slice(2)
const url = new URL(redis)
// Returns when it started (epoch ms, the engine's clock), for the submit-to-start baseline.
const worker = new Worker(name, async () => String(performance.timeOrigin + performance.now()), {
  connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null }, prefix, concurrency: Number(concurrency)
})
await worker.waitUntilReady()
process.stdout.write('ready\n')
process.on('SIGTERM', () => { void worker.close().then(() => process.exit(0)) })
