/**
 * Records waiting for one commit: the latest state of each execution, task and
 * failure case by key (a newer state replaces an older one, so the buffer is
 * bounded by the records alive, not by their transitions), an estimate of the
 * memory they hold, and the callbacks waiting for their commit.
 */
import type { Logger } from 'pino'
import type { ExecutionRecord, RetryRecord, TaskRecord } from '../types.js'
import type { RecordBatch } from '../storage/storage.js'

/** Called once the records recorded before `whenCommitted` are committed (`true`), or never will be (`false`). */
export type CommitCallback<T> = (arg: T, committed: boolean) => void

// Per record, beside its inputs, outputs and error text: keys, times, the Map entry.
const kRecordOverhead = 512

function textBytes (error: { message?: string, stack?: string } | undefined): number {
  return error === undefined ? 0 : 2 * ((error.message?.length ?? 0) + (error.stack?.length ?? 0))
}

function executionBytes (r: ExecutionRecord): number {
  return kRecordOverhead + r.input.byteLength + textBytes(r.error)
}

function taskBytes (r: TaskRecord): number {
  return kRecordOverhead + (r.output?.byteLength ?? 0) + textBytes(r.error)
}

function retryBytes (r: RetryRecord): number {
  return kRecordOverhead + 2 * r.errorMessage.length
}

/** One group of records: filled by the recorder, then written as one transaction. */
export class RecordBuffer {
  readonly #executions = new Map<string, ExecutionRecord>()
  readonly #tasks = new Map<string, TaskRecord>()
  readonly #retries = new Map<string, RetryRecord>()
  // Callbacks and their arguments, flat: [callback, arg, callback, arg, ...]. No closure per waiter.
  readonly #waiters: unknown[] = []
  #bytes = 0

  /** Records held. */
  get size (): number {
    return this.#executions.size + this.#tasks.size + this.#retries.size
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
  setExecution (r: ExecutionRecord): void {
    const old = this.#executions.get(r.id)
    this.#bytes += executionBytes(r) - (old === undefined ? 0 : executionBytes(old))
    this.#executions.set(r.id, r)
  }

  /** Keeps `r` as the latest state of its task. */
  setTask (r: TaskRecord): void {
    const key = r.executionId + '\0' + r.taskId
    const old = this.#tasks.get(key)
    this.#bytes += taskBytes(r) - (old === undefined ? 0 : taskBytes(old))
    this.#tasks.set(key, r)
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
    for (const r of newer.#tasks.values()) this.setTask(r)
    for (const r of newer.#retries.values()) this.setRetry(r)
    for (let i = 0; i < newer.#waiters.length; i++) this.#waiters.push(newer.#waiters[i])
  }

  /** The records as storage takes them. */
  batch (): RecordBatch {
    return { executions: [...this.#executions.values()], tasks: [...this.#tasks.values()], retries: [...this.#retries.values()] }
  }

  /** Ids of the records held, for a report of what was lost. */
  ids (): { executions: string[], tasks: string[], retries: string[] } {
    return {
      executions: [...this.#executions.keys()],
      tasks: [...this.#tasks.values()].map(t => `${t.executionId}/${t.taskId}`),
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
