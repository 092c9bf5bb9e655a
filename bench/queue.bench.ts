/**
 * Scenario queue: what going through the execution queue (BullMQ on Redis)
 * costs per execution, against `engine.execute()` in one process.
 *
 *   execute() in one process   the baseline: one engine, MySQL storage, every execution
 *                              submitted at once, results back
 *   queue, k local instances   one submitter (submitBulk, then result() of each) and k
 *                              serving processes (engine.serve, MySQL storage), all on this
 *                              machine: each execution is a BullMQ job (added, taken, its
 *                              result stored and announced) plus the same engine work
 *
 * Workflows: 10 tasks layered 2 wide, no-op tasks and 1 ms fixed-work tasks. executions/s,
 * from the first submit to the last result. Then the submit-to-start latency: executions
 * submitted one after another to one idle instance, from `submit()` to the instance's
 * `execution.started` (both clocks are this machine's, read to the microsecond), p50 and p99,
 * against plain BullMQ's add() to its no-op processor starting, each measured just before.
 * The no-op executions on one instance are also set against plain BullMQ round by round
 * (both in the same round), for the spread of that ratio, and their CPU per execution is
 * split by where it went: the instance's main thread, its other threads, the submitter,
 * Redis and MySQL (local servers, found by name in /proc), beside plain BullMQ's.
 *   npx tsx bench/queue.bench.ts [--rounds 3] [--noop 300] [--work 60] [--latency 100] [--instances 1,2,3] [--profile DIR]
 * --work 0 leaves out the 1 ms workflow; --profile DIR writes a CPU profile of each serving
 * instance's main thread, from ready to close, to DIR (see bench/lib/queue-instance.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Queue, QueueEvents } from 'bullmq'
import { Redis } from 'ioredis'
import { Engine } from '../dist/index.js'
import { ExecutionQueue } from '../dist/queue.js'
import { createDatabase } from './lib/mysql.js'
import { QUEUE_TASKS, queueWorkflows } from './lib/queue-workflows.js'
import { interleave, median, Report, THREADS, timed } from './lib/report.js'
import { mysqlStorage } from './lib/storage.js'
import { calibrate, iterationsFor } from './lib/work.js'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    noop: { type: 'string', default: '300' },
    work: { type: 'string', default: '60' },
    latency: { type: 'string', default: '100' },
    instances: { type: 'string', default: '1,2,3' },
    profile: { type: 'string' }
  }
})
const rounds = Number(values.rounds)
const counts: Record<string, number> = { 'queue-noop': Number(values.noop) }
if (Number(values.work) > 0) counts['queue-1ms'] = Number(values.work)
const INSTANCES = values.instances!.split(',').map(Number)
if (!INSTANCES.includes(1)) throw new Error('--instances must include 1: the submit-to-start latency is measured on one instance')
if (values.profile !== undefined) process.env.GRAPH_TASK_BENCH_PROFILE = values.profile
const LATENCY = Number(values.latency)
const REDIS = process.env.GRAPH_TASK_REDIS_URL ?? 'redis://127.0.0.1:6379'
const CONCURRENCY = 16
const kInstance = new URL('./lib/queue-instance.ts', import.meta.url).pathname
const kRawWorker = new URL('./lib/raw-bullmq-worker.ts', import.meta.url).pathname

const report = new Report('queue', `executions through the queue (BullMQ on Redis) with 1-3 local instances vs execute() in one process: ${QUEUE_TASKS}-task workflows, executions/s`)
const db = await createDatabase('queue')
const iterations = iterationsFor(1000, calibrate())
const children: ChildProcess[] = []
const queues: ExecutionQueue[] = []
const prefixes: string[] = []
const closers: Array<() => Promise<unknown>> = []

/** CPU ms a process (or one thread: /proc/<pid>/task/<tid>) has used, all its threads (Linux /proc; undefined elsewhere). */
function cpuMs (pid: number, tid?: number): number | undefined {
  try {
    const fields = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10 // clock ticks of 10 ms
  } catch {
    return undefined
  }
}
/** The pid of a local server process by its name (redis-server, mariadbd), for where the CPU went. */
function serverPid (...names: string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) return Number(entry)
    } catch {}
  }
  return undefined
}
const kRedisPid = serverPid('redis-server')
const kMySQLPid = serverPid('mariadbd', 'mysqld')
// Where the CPU of each measured case went, summed over the measured rounds: the serving
// process's main thread and its other threads (worker threads, the storage writer, V8's
// GC and compiler), this submitting process, and the local Redis and MySQL servers.
const kParts = ['main', 'threads', 'client', 'redis', 'mysql'] as const
type Part = typeof kParts[number]
const cpu: Record<string, Record<Part, number>> = {}
function readParts (pid: number): Record<Part, number> {
  const all = cpuMs(pid) ?? NaN
  const main = cpuMs(pid, pid) ?? NaN
  const own = process.cpuUsage()
  return {
    main, threads: all - main, client: (own.user + own.system) / 1000,
    redis: kRedisPid === undefined ? NaN : cpuMs(kRedisPid) ?? NaN,
    mysql: kMySQLPid === undefined ? NaN : cpuMs(kMySQLPid) ?? NaN
  }
}
// Serving instances write their history every second (flushInterval, batched durability):
// after a queue case the next waits this long, so that no case pays for another's history
// and a case's CPU counts the writing of its own.
const kSettle = 1200
/** `run`, then the wait for its history; resolves with what `run` timed. */
async function settled (run: () => Promise<number>): Promise<number> {
  const ms = await run()
  await new Promise(resolve => setTimeout(resolve, kSettle))
  return ms
}
async function withCpu (name: string, pid: number, run: () => Promise<number>): Promise<number> {
  const before = readParts(pid)
  const ms = await settled(run)
  const after = readParts(pid)
  const sum = cpu[name] ??= { main: 0, threads: 0, client: 0, redis: 0, mysql: 0 }
  for (const part of kParts) sum[part] += after[part] - before[part]
  return ms
}
const engine = new Engine({ threads: THREADS, storage: await mysqlStorage(db.uri) })

async function startInstance (prefix: string, script = kInstance, args = [db.uri, REDIS, prefix, String(iterations), String(THREADS), String(CONCURRENCY)]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', chunk => { if (String(chunk).includes('ready')) resolve() })
    child.on('exit', code => reject(new Error(`a queue instance exited with ${code}`)))
  })
  return child
}

/** A queue served by `k` instances on a prefix of its own. */
async function cluster (k: number): Promise<ExecutionQueue> {
  const prefix = `gtbench${randomBytes(3).toString('hex')}`
  prefixes.push(prefix)
  for (let i = 0; i < k; i++) await startInstance(prefix)
  const queue = new ExecutionQueue({ connection: REDIS, prefix })
  queues.push(queue)
  return queue
}

/** Plain BullMQ: one worker process whose processor does nothing, fed and awaited like the queue. */
async function rawBullMQ (): Promise<{ pid: number, run: (n: number) => Promise<number>, startedAfter: () => Promise<number> }> {
  const prefix = `gtbench${randomBytes(3).toString('hex')}`
  prefixes.push(prefix)
  const child = await startInstance(prefix, kRawWorker, [REDIS, prefix, 'raw', String(CONCURRENCY)])
  const url = new URL(REDIS)
  const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null }
  const queue = new Queue('raw', { connection, prefix })
  const events = new QueueEvents('raw', { connection, prefix, lastEventId: `${Date.now() - 60_000}-0` })
  await events.waitUntilReady()
  closers.push(() => queue.close(), () => events.close())
  // A job may complete before addBulk has answered with its id: such ends are kept until
  // the ids are known (dropping them left a round waiting for ever).
  let waiting: Set<string> | null = null
  const early = new Set<string>()
  let done: () => void = () => {}
  // A single job's end, for the submit-to-start baseline: its processor returns when it started.
  const single = new Map<string, (started: number) => void>()
  events.on('completed', ({ jobId, returnvalue }) => {
    const one = single.get(jobId)
    if (one !== undefined) {
      single.delete(jobId)
      return one(Number(returnvalue))
    }
    if (waiting === null) early.add(jobId)
    else if (waiting.delete(jobId) && waiting.size === 0) done()
  })
  return { pid: child.pid!, run: async n => timed(async () => {
    const finished = new Promise<void>(resolve => { done = resolve })
    waiting = null
    early.clear()
    const jobs = await queue.addBulk(Array.from({ length: n }, () => ({ name: 'raw', data: { input: 'AA==' } })))
    waiting = new Set(jobs.map(job => job.id!).filter(id => !early.has(id)))
    if (waiting.size === 0) done()
    await finished
  }),
  startedAfter: async () => {
    const jobId = `one${randomBytes(6).toString('hex')}`
    const started = new Promise<number>(resolve => single.set(jobId, resolve))
    const at = clock()
    await queue.add('raw', { input: 'AA==' }, { jobId })
    return await started - at
  } }
}

/** Epoch ms with microseconds, as the engine stamps `execution.started` (Date.now() would add up to 1 ms). */
const clock = (): number => performance.timeOrigin + performance.now()

const check = (results: Array<{ status: string }>): void => {
  if (results.some(r => r.status !== 'success')) throw new Error('an execution failed')
}

try {
  for (const wf of queueWorkflows(iterations)) await engine.publishWorkflow(wf)
  const clusters: Record<number, ExecutionQueue> = {}
  for (const k of INSTANCES) clusters[k] = await cluster(k)
  const instancePid = children[0].pid!
  const cases: Record<string, () => Promise<number>> = {}
  const raw = await rawBullMQ()
  cases['raw bullmq'] = () => withCpu('raw bullmq', raw.pid, () => raw.run(counts['queue-noop']))
  for (const [wf, n] of Object.entries(counts)) {
    cases[`${wf} execute`] = async () => {
      const ms = await timed(async () => check(await Promise.all(Array.from({ length: n }, () => engine.execute(wf)))))
      // Its history written before the next case, untimed, as the queue cases' (see kSettle).
      await engine.flush()
      return ms
    }
    for (const [k, queue] of Object.entries(clusters)) {
      const run = (): Promise<number> => timed(async () => {
        const ids = await queue.submitBulk(Array.from({ length: n }, () => ({ workflowId: wf })))
        check(await Promise.all(ids.map(id => queue.getExecutionResult(id))))
      })
      cases[`${wf} queue ${k}`] = k === '1' && wf === 'queue-noop' ? () => withCpu(`${wf} queue ${k}`, instancePid, run) : () => settled(run)
    }
  }
  await interleave(cases, 1)
  for (const key of Object.keys(cpu)) delete cpu[key]
  const samples = await interleave(cases, rounds)
  const eps = (key: string, n: number): number => n / median(samples[key]) * 1000
  for (const [wf, n] of Object.entries(counts)) {
    const label = wf === 'queue-noop' ? 'no-op tasks' : '1 ms tasks'
    const baseline = { name: 'execute() in one process', value: eps(`${wf} execute`, n), kind: 'reference' as const }
    // Plain BullMQ bounds what a queue of no-op executions can do; with 1 ms tasks the cores do.
    const ceiling = wf === 'queue-noop' ? { ceiling: { name: 'plain BullMQ jobs, no-op processor, 1 worker process', value: eps('raw bullmq', n) } } : {}
    for (const k of INSTANCES) {
      report.add({ name: `${label}, ${n} executions: queue, ${k} local instance${k > 1 ? 's' : ''}`, value: eps(`${wf} queue ${k}`, n), unit: 'executions/s', baseline, ...ceiling })
    }
  }
  report.add({ name: `plain BullMQ, ${counts['queue-noop']} no-op jobs, 1 worker process`, value: eps('raw bullmq', counts['queue-noop']), unit: 'jobs/s' })
  // The queue's own cost: one instance against plain BullMQ, each round's pair measured side by side.
  const perRound = samples['raw bullmq'].map((raw, r) => raw / samples['queue-noop queue 1'][r]).sort((a, b) => a - b)
  report.add({
    name: `no-op tasks, ${counts['queue-noop']} executions, 1 local instance, against plain BullMQ jobs`,
    value: eps('queue-noop queue 1', counts['queue-noop']),
    unit: 'executions/s',
    baseline: { name: 'plain BullMQ jobs, no-op processor, 1 worker process', value: eps('raw bullmq', counts['queue-noop']), kind: 'fair' },
    target: { op: '>=', value: 0.7 }
  })
  // CPU per execution, by where it went: steadier than the rates on a shared box. The
  // clock ticks of 10 ms make each part exact to about 10 ms over all the measured rounds.
  const perExec = (key: string, part: Part): number => cpu[key][part] / (rounds * counts['queue-noop'])
  const kPartNames: Record<Part, string> = {
    main: 'the serving instance, main thread',
    threads: 'the serving instance, its other threads (task workers, storage writer, V8 GC and compiler)',
    client: 'the submitter (submitBulk, getExecutionResult)',
    redis: 'Redis (redis-server)',
    mysql: 'MySQL (the history; plain BullMQ keeps none)'
  }
  const total = (key: string): number => kParts.reduce((sum, part) => sum + (Number.isFinite(perExec(key, part)) ? perExec(key, part) : 0), 0)
  for (const part of kParts) {
    if (!Number.isFinite(perExec('queue-noop queue 1', part))) continue
    report.add({
      name: `CPU per no-op execution: ${kPartNames[part]}`, value: perExec('queue-noop queue 1', part), unit: 'ms',
      ...(part === 'mysql' ? {} : { baseline: { name: 'plain BullMQ, per job', value: perExec('raw bullmq', part), kind: 'fair' as const } })
    })
  }
  report.add({
    name: 'CPU per no-op execution, all of the above', value: total('queue-noop queue 1'), unit: 'ms',
    baseline: { name: 'plain BullMQ, per job', value: total('raw bullmq'), kind: 'fair' }
  })
  report.note(`1 local instance against plain BullMQ, no-op executions, per round (rounds' spread): ${perRound.map(x => x.toFixed(2)).join(', ')}x`)

  // Submit-to-start latency on one idle instance: one execution at a time.
  const queue = clusters[1]
  const started = new Map<string, number>()
  await queue.on('execution.started', event => { started.set(event.executionId, event.time) })
  const latencies: number[] = []
  const plain: number[] = []
  for (let i = 0; i < LATENCY; i++) {
    // Plain BullMQ first, each time: add to the processor's start, on its own idle worker.
    plain.push(await raw.startedAfter())
    const at = clock()
    const id = await queue.submit('queue-noop')
    await queue.getExecutionResult(id)
    // The started event travels apart from the result: wait for it, but not forever.
    const deadline = Date.now() + 10_000
    while (!started.has(id)) {
      if (Date.now() > deadline) throw new Error(`no execution.started event for ${id} within 10 s of its result`)
      await new Promise(resolve => setImmediate(resolve))
    }
    latencies.push(started.get(id)! - at)
  }
  const pct = (list: number[], p: number): number => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(p * list.length))]
  for (const p of [0.5, 0.99]) {
    report.add({
      name: `submit to start, one idle instance: p${p * 100}`, value: pct(latencies, p), unit: 'ms',
      baseline: { name: 'plain BullMQ, add() to its processor starting, one idle worker', value: pct(plain, p), kind: 'fair' },
      target: { op: '<=', value: p === 0.5 ? 1.5 : 8, of: 'value' }
    })
  }

  report.note(`every engine: ${THREADS} worker threads, MySQL storage (durability 'batched'); instances serve with concurrency ${CONCURRENCY}; all processes share this machine's ${THREADS} cores, so more instances add no cores here`)
  report.note(`medians of ${rounds} interleaved rounds after one warm-up round; the clock stops when every result is back, history maybe still in flight to MySQL; then each case's history is written (${kSettle} ms after a queue case, engine.flush() after execute()) before the next case starts, and its CPU counted with it`)
  for (const [name, v] of Object.entries(samples)) report.detail(`${name}: ${v.map(x => x.toFixed(1)).join(', ')} ms`)
  report.write()
} finally {
  await engine.close()
  for (const queue of queues) await queue.close()
  for (const close of closers) await close()
  await Promise.all(children.map(child => new Promise(resolve => { child.once('exit', resolve); child.kill('SIGTERM') })))
  const redis = new Redis(REDIS)
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
  }
  await redis.quit()
  await db.drop()
}
