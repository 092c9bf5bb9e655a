/**
 * Adding executions to the queue (ExecutionQueue.submit, submitBulk): each item made into
 * a BullMQ job whose id is the execution id, the workflows checked for a live instance that
 * serves them, and the jobs added with the id -> workflow map in chunks.
 */
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { ErrorCodes, QueueError } from '../errors.js'
import { serialiseInput } from '../execute-options.js'
import { newExecutionId } from '../ids.js'
import { checkSubmitOptions, type ResolvedQueueOptions, type SubmitOptions } from './queue-options.js'
import type { JobEnds } from './redis-events.js'
import type { BulkItem } from './types.js'
import { isExecutionId, type JobData, type QueueNames } from './wire.js'

const kBulkChunk = 500

/** One job to add: `fresh` when its id was made here (no one can have submitted it before). */
export interface QueuedJob { workflowId: string, id: string, fresh: boolean, data: JobData, opts: object }

/** What the submitter uses of its ExecutionQueue. */
export interface SubmitContext {
  options: ResolvedQueueOptions
  names: QueueNames
  client: () => Promise<Redis>
  queue: (workflowId: string) => Promise<Queue>
  /** The queues whose ends the client reads already: a submit tracks its new jobs there. */
  readyEnds: ReadonlyMap<string, JobEnds>
}

export class Submitter {
  readonly #ctx: SubmitContext
  // Workflows seen served lately, with when: a submit checks Redis at most once a second per workflow.
  readonly #servedSeen = new Map<string, number>()

  constructor (ctx: SubmitContext) {
    this.#ctx = ctx
  }

  /**
   * The jobs of `items`, checked.
   * @throws {QueueError} INVALID_OPTIONS
   * @throws {EngineError} INVALID_INPUT when an input cannot be serialised
   */
  jobsOf (items: readonly BulkItem[]): QueuedJob[] {
    return items.map(item => this.#job(item.workflowId, item.input, item.options ?? {}))
  }

  #job (workflowId: string, input: unknown, options: SubmitOptions): QueuedJob {
    if (typeof workflowId !== 'string' || workflowId.length === 0) throw new QueueError(ErrorCodes.INVALID_OPTIONS, 'workflowId must be a non-empty string')
    checkSubmitOptions(options)
    const id = options.executionId ?? newExecutionId()
    if (!isExecutionId(id)) throw new QueueError(ErrorCodes.INVALID_OPTIONS, `executionId must be 1 to 26 of A-Z a-z 0-9 _ -, got ${JSON.stringify(id)}`)
    const data: JobData = { input: Buffer.from(serialiseInput(workflowId, input)).toString('base64'), executionId: id }
    if (options.timeout !== undefined) data.timeout = options.timeout
    if (options.traceparent !== undefined) data.traceparent = options.traceparent
    const keep = { age: Math.ceil(this.#ctx.options.keepFor / 1000) }
    return { workflowId, id, fresh: options.executionId === undefined, data, opts: { jobId: id, priority: options.priority, delay: options.delay, removeOnComplete: keep, removeOnFail: keep } }
  }

  /** Each workflow of the items that may not wait is served by a live instance, or WORKFLOW_NOT_SERVED. */
  async checkServed (items: readonly BulkItem[]): Promise<void> {
    const at = Date.now()
    const ask = new Set<string>()
    for (const item of items) {
      if (item.options?.waitForServer === true) continue
      if ((this.#servedSeen.get(item.workflowId) ?? 0) < at - 1000) ask.add(item.workflowId)
    }
    if (ask.size === 0) return
    const redis = await this.#ctx.client()
    const pipeline = redis.pipeline()
    for (const id of ask) pipeline.zcount(this.#ctx.names.servedKey(id), at, '+inf')
    const replies = await pipeline.exec() ?? []
    let k = 0
    for (const id of ask) {
      const [err, count] = replies[k++] ?? [null, 0]
      if (err !== null) throw err
      if (Number(count) === 0) {
        throw new QueueError(ErrorCodes.WORKFLOW_NOT_SERVED,
          `no live instance serves workflow "${id}" (none has published it and called serve()); pass { waitForServer: true } to queue it anyway`)
      }
      this.#servedSeen.set(id, at)
    }
  }

  /**
   * Adds the jobs, in chunks of 500: per chunk one pipeline of id maps (SET NX GET) and one
   * add per workflow. Resolves with their ids in order.
   * @throws {QueueError} EXECUTION_ID_CONFLICT
   */
  async add (jobs: readonly QueuedJob[]): Promise<string[]> {
    const redis = await this.#ctx.client()
    const ttl = Math.ceil(this.#ctx.options.keepFor / 1000)
    for (let at = 0; at < jobs.length; at += kBulkChunk) {
      const chunk = jobs.slice(at, at + kBulkChunk)
      const byWorkflow = new Map<string, typeof chunk>()
      for (const job of chunk) {
        const list = byWorkflow.get(job.workflowId)
        if (list === undefined) byWorkflow.set(job.workflowId, [job])
        else list.push(job)
      }
      // SET NX GET: the workflow an id was first submitted for, in the same round trip.
      const pipeline = redis.pipeline()
      for (const job of chunk) pipeline.set(this.#ctx.names.executionKey(job.id), job.workflowId, 'EX', ttl, 'NX', 'GET')
      const check = async (): Promise<void> => {
        const replies = await pipeline.exec() ?? []
        for (let k = 0; k < chunk.length; k++) {
          const [err, before] = replies[k] ?? [null, null]
          if (err !== null) throw err
          const job = chunk[k]
          if (before !== null && before !== job.workflowId) {
            throw new QueueError(ErrorCodes.EXECUTION_ID_CONFLICT, `execution id "${job.id}" was already submitted for workflow "${String(before)}"`)
          }
        }
      }
      // Added again when it was there already: BullMQ ignores a job id it holds, and a submit
      // whose add was lost after its SET still gets its job.
      const add = (): Promise<unknown> => Promise.all([...byWorkflow].map(([workflowId, list]) => this.#addTo(workflowId, list)))
      // Ids made here are new, so none can conflict: the map and the jobs go out together.
      // An id the caller chose is checked before its job is added.
      if (chunk.every(job => job.fresh)) await Promise.all([check(), add()])
      else {
        await check()
        await add()
      }
    }
    return jobs.map(job => job.id)
  }

  async #addTo (workflowId: string, list: readonly QueuedJob[]): Promise<void> {
    const queue = await this.#ctx.queue(workflowId)
    // Followed from now when this client already reads the queue's ends: a result asked
    // for later needs no look in Redis (JobEnds.track). Only new ids: a job id BullMQ holds
    // already may have ended before this submit.
    const ends = this.#ctx.readyEnds.get(workflowId)
    const fresh = ends === undefined ? [] : list.filter(job => job.fresh).map(job => job.id)
    ends?.track(fresh)
    try {
      // One job alone is one script call; addBulk wraps even one in a transaction.
      if (list.length === 1) await queue.add(workflowId, list[0].data, list[0].opts)
      else await queue.addBulk(list.map(job => ({ name: workflowId, data: job.data, opts: job.opts })))
    } catch (err) {
      ends?.untrack(fresh)
      throw err
    }
  }
}
