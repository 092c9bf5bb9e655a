/**
 * What travels through Redis: key and queue names, job data, and the values
 * (inputs, results, events) in V8's serialisation, so that they arrive with the
 * same shapes as in the process that made them (Maps, Dates, typed arrays).
 */
import { createHash } from 'node:crypto'
import v8 from 'node:v8'
import { tasksOnce } from '../history/results.js'
import type { ExecutionResult, TaskResult } from '../types.js'

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

function decodeValue<T> (text: string): T {
  return v8.deserialize(Buffer.from(text, 'base64')) as T
}

/**
 * A result as it travels: the execution's fields, and its tasks' results in columns, one
 * per field with a task at the same position in each, so that each field's name goes
 * once rather than once per task. BullMQ writes, stores and streams this string for every
 * job, and the instance, Redis and the submitter each pay for every byte of it, so:
 * - a field with one value for every task (status 'success', attempts 1) goes once, in `same`;
 * - start and end times go as two Float64Arrays (NaN where a task has none): 8 bytes each;
 * - a duration is left out when it is its task's end minus start, rounded to the
 *   microsecond, as the engine makes it (`derived` says whether they were);
 * - a task's name is left out when it is its id, as it mostly is.
 * A no-op workflow of 10 tasks comes to about 620 characters, against 1,050 as plain columns.
 */
interface WireResult {
  head: Omit<ExecutionResult, 'tasks'>
  ids: string[]
  fields: Record<string, unknown[]>
  same: Record<string, unknown>
  startedAt: Float64Array
  endedAt: Float64Array
  /** True when every duration was its task's end minus start (rounded), and was left out. */
  derived: boolean
}

// The fields of a task result but its id, in the order results are made with (taskResultOf),
// so that a decoded result lists them in the same order.
const kTaskFields = ['name', 'status', 'attempts', 'output', 'error', 'startedAt', 'endedAt', 'duration', 'reusedFrom', 'cached', 'map'] as const
// Every field of TaskResult is one of them: a field added there and not here fails to compile.
type Unlisted = Exclude<keyof TaskResult, 'taskId' | typeof kTaskFields[number]>
const kEveryTaskField: [Unlisted] extends [never] ? true : false = true
// Fields sent once when every task has the same value: small, compared by identity.
const kShared = new Set<string>(['status', 'attempts', 'cached', 'reusedFrom'])

/** The duration the engine gives a task with these times (end minus start, to the microsecond); none without both. */
function durationOf (start: number | undefined, end: number | undefined): number | undefined {
  return start === undefined || end === undefined ? undefined : Math.round((end - start) * 1000) / 1000
}

/**
 * A result as plain data, in columns. Task results made on first read are made for this
 * alone (tasksOnce), not kept on the result the engine keeps.
 */
export function encodeResult (result: ExecutionResult): string {
  // Not `{ tasks, ...head } = result`: that would read (and keep) the tasks.
  const head: Record<string, unknown> = {}
  for (const key in result) if (key !== 'tasks') head[key] = result[key as keyof ExecutionResult]
  const tasks = tasksOnce(result)
  const ids = Object.keys(tasks)
  const n = ids.length
  const list = new Array<TaskResult>(n)
  const startedAt = new Float64Array(n)
  const endedAt = new Float64Array(n)
  let derived = true
  for (let k = 0; k < n; k++) {
    const task = list[k] = tasks[ids[k]]
    startedAt[k] = task.startedAt ?? NaN
    endedAt[k] = task.endedAt ?? NaN
    if (task.duration !== durationOf(task.startedAt, task.endedAt)) derived = false
  }
  const fields: Record<string, unknown[]> = {}
  const same: Record<string, unknown> = {}
  for (const key of kTaskFields) {
    if (key === 'startedAt' || key === 'endedAt' || (key === 'duration' && derived)) continue
    if (kShared.has(key) && n > 1) {
      const first = list[0][key]
      let k = 1
      while (k < n && list[k][key] === first) k++
      if (k === n) {
        if (first !== undefined) same[key] = first
        continue
      }
    }
    let column: unknown[] | undefined
    for (let k = 0; k < n; k++) {
      const value = list[k][key]
      // A name that is the task's id does not travel.
      if (value === undefined || (key === 'name' && value === ids[k])) continue
      (column ??= new Array<unknown>(n).fill(undefined))[k] = value
    }
    if (column !== undefined) fields[key] = column
  }
  const wire: WireResult = { head: head as WireResult['head'], ids, fields, same, startedAt, endedAt, derived }
  return encodeValue(wire)
}

/** A result as encodeResult sent it. */
export function decodeResult (text: string): ExecutionResult {
  const { head, ids, fields, same, startedAt, endedAt, derived } = decodeValue<WireResult>(text)
  const tasks: Record<string, Record<string, unknown>> = {}
  for (let k = 0; k < ids.length; k++) {
    const task: Record<string, unknown> = { taskId: ids[k], name: ids[k] }
    // NaN: a time the task does not have.
    const start = Number.isNaN(startedAt[k]) ? undefined : startedAt[k]
    const end = Number.isNaN(endedAt[k]) ? undefined : endedAt[k]
    for (const key of kTaskFields) {
      let value: unknown
      if (key === 'startedAt') value = start
      else if (key === 'endedAt') value = end
      else if (key === 'duration' && derived) value = durationOf(start, end)
      else value = key in same ? same[key] : fields[key]?.[k]
      if (value !== undefined) task[key] = value
    }
    tasks[ids[k]] = task
  }
  // The fields in the order results are made with (executionResultOf): error and retryOf after the tasks.
  const { error, retryOf, ...rest } = head
  const result: ExecutionResult = { ...rest, tasks: tasks as unknown as ExecutionResult['tasks'] }
  if (error !== undefined) result.error = error
  if (retryOf !== undefined) result.retryOf = retryOf
  return result
}
