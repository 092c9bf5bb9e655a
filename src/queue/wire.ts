/**
 * What travels through Redis: key and queue names, job data, and the values
 * (inputs, results, events) in V8's serialisation, so that they arrive with the
 * same shapes as in the process that made them (Maps, Dates, typed arrays).
 */
import { createHash } from 'node:crypto'
import v8 from 'node:v8'
import type { ExecutionResult } from '../types.js'

/** The data of one BullMQ job: one execution. */
export interface JobData {
  /** The execution input, V8-serialised, base64. */
  input: string
  /** Set by `submit`; a scheduled job has none and takes one derived from its job id. */
  executionId?: string
  /** Time limit of the whole execution, ms. */
  timeout?: number
  /** The submitter's W3C trace context, carried for the execution's spans. */
  traceparent?: string
  /** Set by `cancel(id)`: the instance that takes the job cancels it at once. */
  cancelled?: boolean
}

/** Names of everything the queue keeps in Redis, under one prefix and queue name. */
export class QueueNames {
  readonly prefix: string
  readonly name: string
  readonly #base: string

  constructor (prefix: string, name: string) {
    this.prefix = prefix
    this.name = name
    this.#base = `${prefix}:${name}:gt`
  }

  /** The BullMQ queue of a workflow: one queue per workflow, so an instance takes only what it serves. */
  queueName (workflowId: string): string { return `${this.name}.${workflowId}` }
  /** execution id -> workflow id: where to look for an execution's job. */
  executionKey (id: string): string { return `${this.#base}:exec:${id}` }
  /** execution id -> BullMQ job id, for executions a schedule made (their job id is BullMQ's). */
  jobKey (id: string): string { return `${this.#base}:job:${id}` }
  /** Instances serving a workflow, each scored with the end of its advertisement (epoch ms). */
  servedKey (workflowId: string): string { return `${this.#base}:served:${workflowId}` }
  /** Schedule name -> workflow id. */
  get schedulesKey (): string { return `${this.#base}:schedules` }
  /** Lifecycle events of every serving instance. */
  get eventsChannel (): string { return `${this.#base}:events` }
  /** Ids of executions to cancel, wherever they run. */
  get cancelChannel (): string { return `${this.#base}:cancel` }
  /** Every key of ours (BullMQ's own keys are under `${prefix}:${queueName}:`). */
  get pattern (): string { return `${this.#base}:*` }
}

const kIdPattern = /^[0-9A-Za-z_-]{1,26}$/

/** Execution ids given to `submit`: they are stored in a 26-character ASCII column. */
export function isExecutionId (id: unknown): id is string {
  return typeof id === 'string' && kIdPattern.test(id)
}

const kAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/**
 * The execution id of a job a schedule made: derived from the job id, so that a
 * redelivery of the same job resumes the same execution.
 */
export function scheduledExecutionId (jobId: string): string {
  const digest = createHash('sha256').update(jobId).digest()
  let out = ''
  for (let i = 0; i < 26; i++) out += kAlphabet[digest[i] & 31]
  return out
}

function encodeValue (value: unknown): string {
  return v8.serialize(value).toString('base64')
}

export function decodeValue<T> (text: string): T {
  return v8.deserialize(Buffer.from(text, 'base64')) as T
}

/** A result as plain data: its task results are made now when they are made on first read. */
export function encodeResult (result: ExecutionResult): string {
  return encodeValue({ ...result, tasks: result.tasks })
}
