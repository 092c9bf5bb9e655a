/**
 * Executions spread over many instances through BullMQ on Redis.
 *
 *   submitters                     Redis                            instances (engine.serve)
 *   ──────────                     ─────                            ────────────────────────
 *   queue.submit ──▶ one BullMQ queue per workflow, job id = execution id ──▶ Worker ──▶ engine
 *   queue.result ◀── QueueEvents (job completed: the result as its return value) ◀──┘
 *   queue.on     ◀── pub/sub channel of lifecycle events ◀─────────── every instance's engine.on
 *   queue.cancel ──▶ cancel key + pub/sub message ──────────────────▶ the instance running it
 *
 * The history stays in the shared MySQL storage of the instances; Redis holds the
 * jobs, their results for `keepFor`, and the id -> workflow map.
 */
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { ErrorCodes, NotFoundError, QueueError } from '../errors.js'
import { serialiseInput } from '../execute-options.js'
import type { EngineEventType, EngineListener } from '../event-bus.js'
import type { ExecutionResult } from '../types.js'
import { loadQueueModules, type QueueModules } from './load.js'
import {
  checkScheduleOptions, redisOptions, resolveQueueOptions,
  type ExecutionQueueOptions, type ResolvedQueueOptions, type ScheduleOptions, type SubmitOptions
} from './queue-options.js'
import { JobEnds, RemoteEvents, type JobEnd } from './redis-events.js'
import { ConnectionLog } from './connection-log.js'
import type { BulkItem, QueuedExecutionStatus, QueueOverview, ScheduleInfo } from './types.js'
import { readOverview } from './overview.js'
import { QueueNames, decodeResult, type JobData } from './wire.js'
import { Submitter } from './submitter.js'

/** What `engine.serve` needs from a queue; not exported from the package. */
export interface QueueInternals {
  options: ResolvedQueueOptions
  names: QueueNames
  modules: () => Promise<QueueModules>
  redis: () => Promise<Redis>
  log: ConnectionLog
}

export const queueInternals = new WeakMap<ExecutionQueue, QueueInternals>()

const kEventsMargin = 60_000

/** The client of the execution queue: submits, waits, cancels and listens; needs no worker threads. */
export class ExecutionQueue {
  readonly #options: ResolvedQueueOptions
  readonly #names: QueueNames
  readonly #queues = new Map<string, Promise<Queue>>()
  readonly #ends = new Map<string, Promise<JobEnds>>()
  // The same, once reading: a submit from then on tracks its new jobs there.
  readonly #readyEnds = new Map<string, JobEnds>()
  readonly #events: RemoteEvents
  readonly #log: ConnectionLog
  readonly #submitter: Submitter
  #redis: Promise<Redis> | null = null
  #closed = false

  /** @throws {InvalidOptionsError} naming the option that is wrong */
  constructor (options: ExecutionQueueOptions) {
    this.#options = resolveQueueOptions(options)
    this.#names = new QueueNames(this.#options.prefix, this.#options.name)
    const target = redisOptions(this.#options.connection)
    this.#log = new ConnectionLog(this.#options.logger, `${String(target.host ?? 'localhost')}:${String(target.port ?? 6379)}`)
    this.#events = new RemoteEvents(this.#names.eventsChannel, () => this.#connect(), () => {})
    queueInternals.set(this, { options: this.#options, names: this.#names, modules: loadQueueModules, redis: () => this.#client(), log: this.#log })
    this.#submitter = new Submitter({
      options: this.#options, names: this.#names, client: () => this.#client(), queue: id => this.#queue(id), readyEnds: this.#readyEnds
    })
  }

  async #connect (): Promise<Redis> {
    const { Redis } = await loadQueueModules()
    return this.#log.watch(new Redis(redisOptions(this.#options.connection)))
  }

  /** Rejects with QUEUE_UNAVAILABLE when `work` has not settled within `unavailableAfter`. */
  #bounded<T> (what: string, work: () => Promise<T>): Promise<T> {
    const ms = this.#options.unavailableAfter
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new QueueError(ErrorCodes.QUEUE_UNAVAILABLE,
        `${what}: Redis did not answer within ${ms} ms (unavailableAfter)`)), ms)
      work().then(value => { clearTimeout(timer); resolve(value) }, err => { clearTimeout(timer); reject(err) })
    })
  }

  #client (): Promise<Redis> {
    if (this.#closed) return Promise.reject(new QueueError(ErrorCodes.ENGINE_CLOSED, 'the execution queue is closed'))
    this.#redis ??= this.#connect()
    return this.#redis
  }

  #queue (workflowId: string): Promise<Queue> {
    let queue = this.#queues.get(workflowId)
    if (queue === undefined) {
      queue = loadQueueModules().then(({ bullmq }) => this.#log.watch(new bullmq.Queue(this.#names.queueName(workflowId), {
        connection: redisOptions(this.#options.connection), prefix: this.#options.prefix
      })))
      this.#queues.set(workflowId, queue)
    }
    return queue
  }

  /**
   * Queues an execution and returns its id at once. The same id submitted again within
   * `keepFor` runs once (the id is the BullMQ job id).
   * @throws {QueueError} EXECUTION_ID_CONFLICT when the id was submitted for another workflow; INVALID_OPTIONS
   * @throws {EngineError} INVALID_INPUT when the input cannot be serialised
   */
  async submit (workflowId: string, input?: unknown, options: SubmitOptions = {}): Promise<string> {
    const [id] = await this.submitBulk([{ workflowId, input, options }])
    return id
  }

  /**
   * Queues many executions: one round trip to Redis per chunk of 500 and workflow. Returns their ids in order.
   * @throws {QueueError} WORKFLOW_NOT_SERVED when no live instance serves a workflow (unless its item says `waitForServer`);
   *   QUEUE_UNAVAILABLE when Redis does not answer within `unavailableAfter`
   */
  async submitBulk (items: readonly BulkItem[]): Promise<string[]> {
    const jobs = this.#submitter.jobsOf(items)
    return this.#bounded('submit', async () => {
      await this.#submitter.checkServed(items)
      return this.#submitter.add(jobs)
    })
  }

  /** The workflow of an execution, and its job id (the execution id, but for executions a schedule made). */
  async #jobOf (id: string): Promise<{ workflowId: string, jobId: string }> {
    const [workflowId, jobId] = await (await this.#client()).mget(this.#names.executionKey(id), this.#names.jobKey(id))
    if (workflowId === null) throw new NotFoundError(ErrorCodes.EXECUTION_NOT_FOUND, `no execution "${id}" in the queue`)
    return { workflowId, jobId: jobId ?? id }
  }

  #jobEnds (workflowId: string): Promise<JobEnds> {
    let ends = this.#ends.get(workflowId)
    if (ends === undefined) {
      ends = loadQueueModules().then(async ({ bullmq }) => {
        // Read from a moment before now, not from the stream's end when the first read happens
        // to run: an end between waitUntilReady() and that read would be lost. The margin
        // covers a Redis clock behind ours; ends seen twice are harmless.
        const events = this.#log.watch(new bullmq.QueueEvents(this.#names.queueName(workflowId), {
          connection: redisOptions(this.#options.connection), prefix: this.#options.prefix, lastEventId: `${Date.now() - kEventsMargin}-0`
        }))
        await events.waitUntilReady()
        const ready = new JobEnds(events)
        this.#readyEnds.set(workflowId, ready)
        return ready
      })
      this.#ends.set(workflowId, ends)
    }
    return ends
  }

  /**
   * Resolves with the result of an execution when it ends, on whichever instance.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND when the id was never submitted (or is older than keepFor), or its job was removed
   * @throws {QueueError} QUEUE_JOB_FAILED when BullMQ failed the job itself
   */
  async getExecutionResult (id: string, options: { signal?: AbortSignal } = {}): Promise<ExecutionResult> {
    // An execution submitted here while its queue's ends were being read: its end comes (or came) here.
    let tracked: JobEnds | undefined
    for (const ends of this.#readyEnds.values()) {
      if (ends.tracks(id)) {
        tracked = ends
        break
      }
    }
    const { jobId, ends, queue } = tracked !== undefined
      ? { jobId: id, ends: tracked, queue: null }
      : await this.#bounded('getExecutionResult', async () => {
        const job = await this.#jobOf(id)
        return { ...job, ends: await this.#jobEnds(job.workflowId), queue: await this.#queue(job.workflowId) }
      })
    const { signal } = options
    const end = await new Promise<JobEnd>((resolve, reject) => {
      const onAbort = (): void => { remove(); reject(signal!.reason) }
      const remove = ends.wait(jobId, end => { signal?.removeEventListener('abort', onAbort); resolve(end) })
      if (signal?.aborted === true) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      if (queue === null) return
      // Waiting first, then looking: an end between the two is seen either way.
      queue.getJob(jobId).then(job => {
        if (job === undefined) {
          // Removed from the queue (or never a job): nothing will end, so waiting would never settle.
          remove()
          signal?.removeEventListener('abort', onAbort)
          return resolve({ ok: false, removed: true, reason: 'removed' })
        }
        if (job.finishedOn === undefined || job.finishedOn === null) return
        remove()
        signal?.removeEventListener('abort', onAbort)
        resolve(job.failedReason !== undefined && job.failedReason !== null && job.returnvalue == null
          ? { ok: false, reason: job.failedReason }
          : { ok: true, value: job.returnvalue as string })
      }, err => { remove(); reject(err) })
    })
    if (!end.ok && end.removed === true) throw new NotFoundError(ErrorCodes.EXECUTION_NOT_FOUND, `execution "${id}" was removed from the queue before it ended`)
    if (!end.ok) throw new QueueError(ErrorCodes.QUEUE_JOB_FAILED, `the job of execution ${id} failed in BullMQ: ${end.reason}`)
    return decodeResult(end.value)
  }

  /**
   * Stops an execution wherever it runs (its instance cancels it, keeping what finished);
   * one not started yet is cancelled when an instance takes it. Resolves false for an
   * execution that has ended.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND
   */
  async cancelExecution (id: string): Promise<boolean> {
    return this.#bounded('cancelExecution', async () => {
      const { workflowId, jobId } = await this.#jobOf(id)
      const job = await (await this.#queue(workflowId)).getJob(jobId)
      if (job === undefined || (job.finishedOn !== undefined && job.finishedOn !== null)) return false
      // In the job's data first, for the instance that takes it later (no read of Redis at each
      // start); then a message, for the instance that holds it now (see QueueServer#cancel).
      await job.updateData({ ...job.data, cancelled: true })
      await (await this.#client()).publish(this.#names.cancelChannel, id)
      return true
    })
  }

  /** @throws {NotFoundError} EXECUTION_NOT_FOUND */
  async getExecutionStatus (id: string): Promise<QueuedExecutionStatus> {
    return this.#bounded('getExecutionStatus', async () => {
      const { workflowId, jobId } = await this.#jobOf(id)
      const job = await (await this.#queue(workflowId)).getJob(jobId)
      if (job === undefined) return { executionId: id, workflowId, state: 'unknown', deliveries: 0 }
      const out: QueuedExecutionStatus = { executionId: id, workflowId, state: await job.getState(), deliveries: job.attemptsStarted }
      if (typeof job.returnvalue === 'string') out.status = decodeResult(job.returnvalue).status
      return out
    })
  }

  /** BullMQ's job counts of a workflow's queue: waiting, active, delayed, completed, failed... */
  async counts (workflowId: string): Promise<Record<string, number>> {
    return this.#bounded('counts', async () => {
      return (await this.#queue(workflowId)).getJobCounts()
    })
  }

  /**
   * Receives the lifecycle events of every serving instance, with the shapes of `engine.on`
   * (task events only from instances serving with `events: 'all'`). Resolves once subscribed.
   */
  async on<T extends EngineEventType> (type: T, listener: EngineListener<T>): Promise<this> {
    await this.#events.on(type, listener)
    return this
  }

  off<T extends EngineEventType> (type: T, listener: EngineListener<T>): this {
    this.#events.off(type, listener)
    return this
  }

  /** Creates or replaces a schedule (a BullMQ job scheduler): an execution every `every` ms or on `cron`. */
  async schedule (name: string, workflowId: string, input: unknown, options: ScheduleOptions): Promise<void> {
    checkScheduleOptions(options)
    if (typeof name !== 'string' || name.length === 0) throw new QueueError(ErrorCodes.INVALID_OPTIONS, 'a schedule needs a non-empty name')
    return this.#bounded('schedule', async () => {
      const data: JobData = { input: Buffer.from(serialiseInput(workflowId, input)).toString('base64') }
      const keep = { age: Math.ceil(this.#options.keepFor / 1000) }
      const redis = await this.#client()
      const before = await redis.hget(this.#names.schedulesKey, name)
      if (before !== null && before !== workflowId) await (await this.#queue(before)).removeJobScheduler(name)
      await redis.hset(this.#names.schedulesKey, name, workflowId)
      await (await this.#queue(workflowId)).upsertJobScheduler(name,
        options.every !== undefined ? { every: options.every } : { pattern: options.cron, ...(options.tz === undefined ? {} : { tz: options.tz }) },
        { name: workflowId, data, opts: { removeOnComplete: keep, removeOnFail: keep } })
    })
  }

  /**
   * The queues at a glance: per workflow with a queue or a live server, its job counts
   * and the instances serving it; and the schedules. What `graph-task console --redis` shows.
   */
  async overview (): Promise<QueueOverview> {
    return this.#bounded('overview', async () => readOverview({
      redis: await this.#client(), names: this.#names, queue: id => this.#queue(id), schedules: () => this.#schedules()
    }))
  }

  /** Every schedule of this queue. */
  async schedules (): Promise<ScheduleInfo[]> {
    return this.#bounded('schedules', () => this.#schedules())
  }

  async #schedules (): Promise<ScheduleInfo[]> {
    const all = await (await this.#client()).hgetall(this.#names.schedulesKey)
    const out: ScheduleInfo[] = []
    for (const [name, workflowId] of Object.entries(all)) {
      const found = await (await this.#queue(workflowId)).getJobScheduler(name)
      if (found === undefined) continue
      out.push({
        name, workflowId, ...(found.every == null ? {} : { every: Number(found.every) }), ...(found.pattern == null ? {} : { cron: found.pattern }),
        ...(found.next == null ? {} : { next: found.next })
      })
    }
    return out
  }

  /** Removes a schedule; resolves false when there was none of that name. */
  async unschedule (name: string): Promise<boolean> {
    return this.#bounded('unschedule', async () => {
      const redis = await this.#client()
      const workflowId = await redis.hget(this.#names.schedulesKey, name)
      if (workflowId === null) return false
      await redis.hdel(this.#names.schedulesKey, name)
      return (await this.#queue(workflowId)).removeJobScheduler(name)
    })
  }

  /** Closes every connection this client opened. Twice is harmless. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#events.close()
    for (const ends of this.#ends.values()) await (await ends.catch(() => null))?.events.close()
    for (const queue of this.#queues.values()) await (await queue.catch(() => null))?.close()
    const redis = await this.#redis?.catch(() => null)
    await redis?.quit().catch(() => redis.disconnect())
  }
}
