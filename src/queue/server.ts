/**
 * The serving side: `engine.serve(queue)` takes executions of the workflows the engine
 * has published (one BullMQ Worker per workflow queue) and runs them on its pool.
 *
 * A job is an execution, and its id is the execution id. The first delivery starts
 * it with no read of storage. A later delivery (the instance that held it died and
 * BullMQ's stalled check gave it back, or it was handed back by close()) RESUMES it
 * from the shared history: the tasks whose success storage holds are not run again.
 * Past `maxRedeliveries` stalls the execution fails with EXECUTION_REDELIVERY_LIMIT,
 * which opens a failure case like any failure.
 *
 * Each delivery carries its number (the job's count of starts): a redelivery raises the
 * execution's fence in storage to it before reading what to resume, and every record of
 * the run carries it, so the writes of an instance that lost the job change nothing
 * (mysql/fence.ts). That instance stops the execution when its lease ends (leases.ts).
 */
import v8 from 'node:v8'
import type { Job, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { ErrorCodes, InvalidOptionsError, QueueError } from '../errors.js'
import type { EngineEventType, EngineListener } from '../event-bus.js'
import type { ExecutionStorage } from '../storage/storage.js'
import type { ExecutionResult, ExecutionStatus, TaskRecord } from '../types.js'
import { queueInternals, type ExecutionQueue, type QueueInternals } from './execution-queue.js'
import { redisOptions, resolveServeOptions, type ResolvedServeOptions, type ServeOptions } from './queue-options.js'
import { encodeResult, scheduledExecutionId, type JobData } from './wire.js'
import { Leases } from './leases.js'
import { ConnectionLog, isConnectionError } from './connection-log.js'
import { ServedWorkflows } from './served-workflows.js'
import { InstanceCap } from './instance-cap.js'
import { answers, type Readiness } from './readiness.js'

/** An execution as the server sees it. */
interface ServedExecution {
  readonly id: string
  readonly status: ExecutionStatus
  readonly done: Promise<ExecutionResult>
}

/** One execution to start, with what a resume reuses. */
interface QueuedRun {
  executionId: string
  workflowId: string
  input: Uint8Array
  timeout?: number
  /** Task records of earlier deliveries: those that succeeded are not run again. */
  reuse: readonly TaskRecord[]
  traceparent?: string
  /** Ends it before any task runs: cancelled before it started, or past the redelivery limit. */
  stopWith?: { code: string, message: string }
  /** The delivery number, carried by its records. */
  fence: number
  /** Epoch ms past which none of its tasks starts. */
  leaseUntil: number
}

/** What the engine lends its server. */
interface ServeHost {
  readonly logger: Logger
  readonly instanceId: string
  readonly storage: ExecutionStorage
  workflowIds (): string[]
  /** Starts an execution; throws EngineClosedError once the engine closes. */
  start (run: QueuedRun): ServedExecution
  stop (exec: ServedExecution, code: string, message: string): void
  /** Moves the end of an execution's lease. */
  lease (exec: ServedExecution, until: number): void
  /** Strict durability: a result is given out once its final record is committed. */
  readonly durable: boolean
  /** The stored result of an execution that ended. */
  result (id: string): Promise<ExecutionResult>
  /** Claims an open failure case of this execution, so that the run's outcome closes it. */
  adoptCase (id: string): Promise<void>
  flush (): Promise<void>
  on<T extends EngineEventType> (type: T, listener: EngineListener<T>): void
  off<T extends EngineEventType> (type: T, listener: EngineListener<T>): void
}

// Cancels heard for executions not running here, kept for one that is about to start.
const kRecentCancels = 10_000

const kExecutionEvents: EngineEventType[] = ['execution.started', 'execution.completed', 'execution.failed', 'execution.cancelled']
const kOtherEvents: EngineEventType[] = ['task.started', 'task.completed', 'task.failed', 'task.retrying', 'task.skipped',
  'retry.started', 'retry.succeeded', 'retry.failed', 'retry.abandoned']

/**
 * Starts serving a queue.
 * @throws {QueueError} STORAGE_NOT_SHARED on storage other instances cannot read
 * @throws {InvalidOptionsError} naming the option
 */
export async function serveQueue (queue: ExecutionQueue, options: ServeOptions, host: ServeHost): Promise<QueueServer> {
  const resolved = resolveServeOptions(options)
  const internals = queueInternals.get(queue)
  if (internals === undefined) throw new QueueError(ErrorCodes.INVALID_OPTIONS, 'serve() needs an ExecutionQueue')
  if (host.storage.kind === 'memory') {
    throw new QueueError(ErrorCodes.STORAGE_NOT_SHARED,
      'serve() needs storage that every instance shares (MySQLStorage): with MemoryStorage a redelivered execution could not resume and its history would be lost')
  }
  const server = new QueueServer(internals, resolved, host)
  await server.start()
  return server
}

export class QueueServer {
  readonly #queue: QueueInternals
  readonly #options: ResolvedServeOptions
  readonly #host: ServeHost
  readonly #workers: Worker[] = []
  readonly #running = new Map<string, ServedExecution>()
  readonly #cancelledByUser = new Set<string>()
  readonly #recentCancels = new Set<string>()
  readonly #listeners: Array<[EngineEventType, EngineListener<any>]> = []
  // Executions whose lease ended: stopped here, resumed elsewhere; their events stay here.
  readonly #lost = new Set<string>()
  readonly #leases: Leases
  #served: ServedWorkflows | null = null
  #log: ConnectionLog | null = null
  #redis: Redis | null = null
  #subscriber: Redis | null = null
  #stopping: Promise<unknown> | null = null
  #draining: Promise<unknown> | null = null
  readonly #cap: InstanceCap
  readonly #processing = new Set<Promise<string>>()
  #outbox: object[] = []

  constructor (queue: QueueInternals, options: ResolvedServeOptions, host: ServeHost) {
    this.#queue = queue
    this.#options = options
    this.#host = host
    this.#leases = new Leases(options.lockDuration, (jobId, why) => this.#loseLease(jobId, why))
    this.#cap = new InstanceCap(options.maxRunning, full => this.#capReached(full))
  }

  #capReached (full: boolean): void {
    // Paused without waiting for the jobs held: they are what fills the cap.
    if (full) for (const w of this.#workers) void w.pause(true)
    else if (this.#draining === null && this.#stopping === null) for (const w of this.#workers) void w.resume()
  }

  #loseLease (id: string, why: string): void {
    const exec = this.#running.get(id)
    if (exec === undefined) return
    this.#lost.add(id)
    this.#host.logger.warn({ executionId: id }, `execution lost: ${why}; stopping it here, another instance resumes it`)
    this.#host.stop(exec, ErrorCodes.EXECUTION_LOST, `execution ${id} was lost by this instance: ${why}`)
  }

  async start (): Promise<void> {
    const { bullmq, Redis } = await this.#queue.modules()
    const { names, options } = this.#queue
    const connection = redisOptions(options.connection)
    // Connection trouble through the engine's logger, once per change (not the queue client's logger).
    this.#log = new ConnectionLog(this.#host.logger, `${String(connection.host ?? 'localhost')}:${String(connection.port ?? 6379)}`)
    this.#redis = this.#log.watch(new Redis(connection))
    this.#subscriber = this.#log.watch(new Redis(connection))
    this.#subscriber.on('message', (_channel: string, id: string) => this.#cancel(id))
    await this.#subscriber.subscribe(names.cancelChannel)
    const types = this.#options.events === 'none' ? [] : this.#options.events === 'all' ? [...kExecutionEvents, ...kOtherEvents] : kExecutionEvents
    for (const type of types) {
      const listener: EngineListener<any> = event => this.#publish(event)
      this.#host.on(type, listener)
      this.#listeners.push([type, listener])
    }
    for (const workflowId of Object.keys(this.#options.rateLimits)) {
      if (!this.#host.workflowIds().includes(workflowId)) throw new InvalidOptionsError(`rateLimits.${workflowId}: this engine serves no workflow ${workflowId}`)
    }
    for (const workflowId of this.#host.workflowIds()) {
      const limiter = this.#options.rateLimits[workflowId]
      const worker = new bullmq.Worker(names.queueName(workflowId), async (job: Job, token?: string) => this.#process(workflowId, job, token), {
        connection,
        prefix: options.prefix,
        concurrency: this.#options.concurrency,
        lockDuration: this.#options.lockDuration,
        stalledInterval: this.#options.stalledInterval,
        // One more than ours: the delivery past maxRedeliveries reaches #process, which fails the execution itself.
        maxStalledCount: this.#options.maxRedeliveries + 1,
        ...(limiter === undefined ? {} : { limiter: { max: limiter.max, duration: limiter.duration } })
      })
      this.#leases.watch(worker)
      worker.on('error', err => this.#workerError(err, workflowId))
      this.#workers.push(worker)
    }
    await Promise.all(this.#workers.map(w => w.waitUntilReady()))
    this.#served = new ServedWorkflows(this.#redis, names, this.#host.workflowIds(), this.#host.instanceId, this.#host.logger)
    await this.#served.start()
  }

  #workerError (err: Error, workflowId: string): void {
    // A lost lock is reported once, by #loseLease, and the execution stopped there.
    if (/could not renew lock|Missing lock/.test(err.message)) return
    if (isConnectionError(err)) return this.#log?.error(err)
    this.#host.logger.warn({ err, workflowId }, 'queue worker error')
  }

  #publish (event: object): void {
    if (this.#lost.size > 0 && this.#lost.has((event as { executionId?: string }).executionId ?? '')) return
    // The events of one turn of the event loop go out as one message (RemoteEvents takes
    // arrays): one command to Redis, not one per event, and in the order they came.
    this.#outbox.push(event)
    if (this.#outbox.length === 1) setImmediate(this.#sendEvents)
  }

  readonly #sendEvents = (): void => {
    const events = this.#outbox
    if (events.length === 0) return
    this.#outbox = []
    this.#redis?.publish(this.#queue.names.eventsChannel, v8.serialize(events.length === 1 ? events[0] : events))
      .catch(err => this.#host.logger.warn({ err }, 'could not publish an event to the queue'))
  }

  #cancel (id: string): void {
    const exec = this.#running.get(id)
    if (exec === undefined) {
      // Not running here, or taken with its data read before the cancel and not started yet:
      // remembered a while for #process to see. Every instance hears every cancel, hence the bound.
      this.#recentCancels.add(id)
      if (this.#recentCancels.size > kRecentCancels) this.#recentCancels.delete(this.#recentCancels.values().next().value!)
      return
    }
    this.#cancelledByUser.add(id)
    this.#host.stop(exec, ErrorCodes.CANCELLED, 'cancelled by ExecutionQueue.cancelExecution()')
  }

  async #process (workflowId: string, job: Job, token: string | undefined): Promise<string> {
    const id = (job.data as JobData).executionId ?? scheduledExecutionId(job.id!)
    // The lease is taken before any wait for the cap, so that renewals meanwhile count. It
    // is the job's: BullMQ renews locks by job id, which a schedule's runs do not share
    // with their execution id (the lease keeps both).
    const jobId = job.id!
    let exec: ServedExecution | undefined
    this.#leases.take(jobId, id, Math.min(job.processedOn ?? Date.now(), Date.now()), until => { if (exec !== undefined) this.#host.lease(exec, until) })
    const processing = (async () => {
      await this.#cap.acquire()
      try {
        return await this.#run(workflowId, job, token, id, started => { exec = started })
      } finally {
        this.#cap.release()
        this.#leases.release(jobId)
      }
    })()
    this.#processing.add(processing)
    try {
      return await processing
    } finally {
      this.#processing.delete(processing)
    }
  }

  async #run (workflowId: string, job: Job, token: string | undefined, id: string, started: (exec: ServedExecution) => void): Promise<string> {
    // Taken after a drain began (a fetch in flight as the Workers paused, or a wait for
    // the cap): new work, which a draining instance gives back untouched.
    if (this.#draining !== null) return this.#handBack(job, token)
    const data = job.data as JobData
    const scheduled = data.executionId === undefined
    const { names, options } = this.#queue
    if (scheduled) {
      // Its id -> workflow and job id, for result(), cancel() and getStatus().
      const ttl = Math.ceil(options.keepFor / 1000)
      await this.#redis!.multi().set(names.executionKey(id), workflowId, 'EX', ttl, 'NX').set(names.jobKey(id), job.id!, 'EX', ttl, 'NX').exec()
    }
    const cancelled = data.cancelled === true || this.#recentCancels.delete(id)
    const fence = job.attemptsStarted
    let reuse: readonly TaskRecord[] = []
    if (fence > 1) {
      // A redelivery: fence off the instance that had it, then resume from what the
      // shared history holds (what it wrote before the fence rose, and nothing after).
      if (this.#host.storage.raiseFence !== undefined && !await this.#host.storage.raiseFence(id, fence)) {
        throw new QueueError(ErrorCodes.EXECUTION_LOST, `execution ${id}: a later delivery than ${fence} holds it`)
      }
      const before = await this.#host.storage.getExecution(id)
      if (before !== undefined) {
        // It ended, and the instance that ran it died before telling BullMQ.
        if (before.status === 'success' || before.status === 'failed' || (before.status === 'cancelled' && cancelled)) {
          return encodeResult(await this.#host.result(id))
        }
        reuse = await this.#host.storage.getTaskResults(id)
        await this.#host.adoptCase(id)
      }
    }
    const stopWith = cancelled
      ? { code: ErrorCodes.CANCELLED, message: 'cancelled by ExecutionQueue.cancelExecution()' }
      : job.stalledCounter > this.#options.maxRedeliveries
        ? { code: ErrorCodes.EXECUTION_REDELIVERY_LIMIT, message: `execution ${id} was redelivered ${job.stalledCounter} times (maxRedeliveries ${this.#options.maxRedeliveries}): the instances running it kept dying` }
        : undefined
    if (cancelled) this.#cancelledByUser.add(id)
    const leaseUntil = this.#leases.until(job.id!)
    if (leaseUntil === undefined) throw new QueueError(ErrorCodes.EXECUTION_LOST, `execution ${id}: its queue lock ended before it started here`)
    let exec: ServedExecution
    try {
      exec = this.#host.start({
        executionId: id, workflowId, input: Buffer.from(data.input, 'base64'), reuse, fence, leaseUntil,
        ...(data.timeout === undefined ? {} : { timeout: data.timeout }),
        ...(data.traceparent === undefined ? {} : { traceparent: data.traceparent }),
        ...(stopWith === undefined ? {} : { stopWith })
      })
    } catch (err) {
      this.#cancelledByUser.delete(id)
      if ((err as { code?: string }).code === ErrorCodes.ENGINE_CLOSED) return this.#handBack(job, token)
      throw err
    }
    started(exec)
    this.#running.set(id, exec)
    const result = await exec.done
    this.#running.delete(id)
    const byUser = this.#cancelledByUser.delete(id)
    if (this.#lost.delete(id)) {
      // Another instance has it (or will): no result from here, which BullMQ would refuse anyway.
      throw new QueueError(ErrorCodes.EXECUTION_LOST, `execution ${id} was lost by this instance and resumes elsewhere`)
    }
    // Cancelled by this engine's close(): handed back to be resumed elsewhere, not lost.
    if (result.status === 'cancelled' && !byUser && (this.#stopping !== null || this.#draining !== null)) return this.#handBack(job, token)
    // The result is given out once the history holds it: a reader of storage who got the
    // result finds the execution ended. With batched durability it may lag (flushInterval).
    if (this.#host.durable) await this.#host.flush()
    return encodeResult(result)
  }

  async #handBack (job: Job, token: string | undefined): Promise<never> {
    const { bullmq } = await this.#queue.modules()
    // What finished here is in storage before another instance reads it to resume.
    await this.#host.flush().catch(() => {})
    await job.moveToWait(token)
    throw new bullmq.WaitingError()
  }

  /**
   * Stops taking executions and stays up: resolves once the ones held have finished, or,
   * with `handBack`, gone back to the queue for another instance to resume.
   */
  async drain (handBack: boolean): Promise<void> {
    this.#draining ??= Promise.all([this.#served?.close(), ...this.#workers.map(w => w.pause(true))])
    await this.#draining
    if (handBack) for (const exec of this.#running.values()) this.#host.stop(exec, ErrorCodes.CANCELLED, 'handed back by drain()')
    // Every job held, those waiting for the cap or fetched while pausing included.
    while (this.#processing.size > 0) await Promise.allSettled([...this.#processing])
  }

  /** Storage and Redis answer, and the instance is neither draining nor closing. */
  async readiness (): Promise<Readiness> {
    const [storage, redis] = await Promise.all([
      answers(() => this.#host.storage.getExecution('readiness-probe')),
      answers(async () => await this.#redis?.ping())
    ])
    const draining = this.#draining !== null || this.#stopping !== null
    return { ready: storage && redis && !draining, storage, redis, draining }
  }

  /**
   * Resolves once every job taken here has been answered or handed back: a hand-back
   * flushes the history of what finished here, so the engine closes its recorder after.
   */
  async settled (): Promise<void> {
    while (this.#processing.size > 0) await Promise.allSettled([...this.#processing])
  }

  /** Stops taking executions; the ones held finish (or, cancelled by close, are handed back). */
  stopTaking (): void {
    this.#stopping ??= Promise.all([...this.#workers.map(w => w.close()), this.#served?.close()])
  }

  /** Waits for the workers to let go of their jobs, then closes the connections. */
  async close (): Promise<void> {
    this.stopTaking()
    await this.#stopping
    this.#leases.close()
    await this.#served?.close()
    for (const [type, listener] of this.#listeners) this.#host.off(type, listener)
    // Events still waiting for the turn's end go out before the connection closes.
    this.#sendEvents()
    await this.#subscriber?.quit().catch(() => this.#subscriber?.disconnect())
    await this.#redis?.quit().catch(() => this.#redis?.disconnect())
  }
}
