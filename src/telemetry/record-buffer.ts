/**
 * Records waiting for one commit: the latest state of each execution, task and
 * failure case by key (a newer state replaces an older one, so the buffer is
 * bounded by the records alive, not by their transitions), an estimate of the
 * memory they hold, and the callbacks waiting for their commit.
 */
import type { Logger } from 'pino'
import type { StoredExecution, RetryRecord } from '../types.js'
import type { RecordBatch, TaskSource } from '../storage/storage.js'
import { TaskRowList } from './task-rows.js'

/** Called once the records recorded before `whenCommitted` are committed (`true`), or never will be (`false`). */
export type CommitCallback<T> = (arg: T, committed: boolean) => void

// Per record, beside its inputs, outputs and error text: keys, times, the Map entry.
const kRecordOverhead = 512

function textBytes (error: { message?: string, stack?: string } | undefined): number {
  return error === undefined ? 0 : 2 * ((error.message?.length ?? 0) + (error.stack?.length ?? 0))
}

function executionBytes (r: StoredExecution): number {
  return kRecordOverhead + r.input.byteLength + textBytes(r.error)
}

function retryBytes (r: RetryRecord): number {
  return kRecordOverhead + 2 * r.errorMessage.length
}

/** One group of records: filled by the recorder, then written as one transaction. */
export class RecordBuffer {
  readonly #executions = new Map<string, StoredExecution>()
  // Tasks as (live state, index): the record is read from the execution when written.
  // A task's record is final when it is recorded, so a task is here at most once.
  readonly #tasks = new TaskRowList()
  readonly #retries = new Map<string, RetryRecord>()
  // Callbacks and their arguments, flat: [callback, arg, callback, arg, ...]. No closure per waiter.
  readonly #waiters: unknown[] = []
  #bytes = 0

  /** Records held. */
  get size (): number {
    return this.#executions.size + this.#tasks.length + this.#retries.size
  }

  /** Estimated memory of the records held, inputs and outputs included. */
  get bytes (): number {
    return this.#bytes
  }

  /** True when someone waits for this group's commit. */
  get hasWaiters (): boolean {
    return this.#waiters.length > 0
  }

  /** Keeps `r` as the latest state of its execution. */
  setExecution (r: StoredExecution): void {
    const old = this.#executions.get(r.executionId)
    this.#bytes += executionBytes(r) - (old === undefined ? 0 : executionBytes(old))
    this.#executions.set(r.executionId, r)
  }

  /** Keeps `count` tasks of `source`, by index. */
  setTasks (source: TaskSource, tasks: Int32Array, count: number): void {
    let bytes = kRecordOverhead * count
    for (let k = 0; k < count; k++) bytes += source.recordSize(tasks[k])
    this.#bytes += bytes
    this.#tasks.pushMany(source, tasks, count)
  }

  /** Keeps task i of `source`: its record is read from the source when it is written. */
  setTask (source: TaskSource, i: number): void {
    this.#bytes += kRecordOverhead + source.recordSize(i)
    this.#tasks.push(source, i)
  }

  /** Keeps `r` as the latest state of its failure case. */
  setRetry (r: RetryRecord): void {
    const old = this.#retries.get(r.executionId)
    this.#bytes += retryBytes(r) - (old === undefined ? 0 : retryBytes(old))
    this.#retries.set(r.executionId, r)
  }

  /** Calls `callback(arg, committed)` when this group settles. */
  wait (callback: CommitCallback<unknown>, arg: unknown): void {
    this.#waiters.push(callback, arg)
  }

  /** Takes `newer`'s records (each replacing this buffer's state of the same key) and its waiters. */
  absorb (newer: RecordBuffer): void {
    for (const r of newer.#executions.values()) this.setExecution(r)
    for (let k = 0; k < newer.#tasks.length; k++) this.setTask(newer.#tasks.sourceOf(k), newer.#tasks.indexOf(k))
    for (const r of newer.#retries.values()) this.setRetry(r)
    for (let i = 0; i < newer.#waiters.length; i++) this.#waiters.push(newer.#waiters[i])
  }

  /** The records as storage takes them. */
  batch (): RecordBatch {
    return { executions: [...this.#executions.values()], tasks: this.#tasks, retries: [...this.#retries.values()] }
  }

  /** Ids of the records held, for a report of what was lost. */
  ids (): { executions: string[], tasks: string[], retries: string[] } {
    return {
      executions: [...this.#executions.keys()],
      tasks: Array.from(this.#tasks, t => `${t.executionId}/${t.taskId}`),
      retries: [...this.#retries.keys()]
    }
  }

  /** Calls every waiter once; a callback that throws is logged and does not stop the others. */
  settle (committed: boolean, logger: Logger): void {
    const waiters = this.#waiters.splice(0)
    for (let i = 0; i < waiters.length; i += 2) {
      try {
        (waiters[i] as CommitCallback<unknown>)(waiters[i + 1], committed)
      } catch (err) {
        logger.error({ err }, 'a whenCommitted callback threw')
      }
    }
  }
}
