/**
 * Group commit of execution, task and failure-case records.
 *
 *   record*() ──set by key──▶ buffer ──cut──▶ in flight: storage.writeRecords(batch), one transaction
 *                             (waiters)        │ committed: its waiters called, the next group cut at once
 *                                              │ failed: retried with backoff, absorbing the buffer first
 *
 * One group is in flight at a time, so two states of one execution never race, and
 * everything recorded while a commit is in flight goes in the next one. A group is
 * cut by the flush timer, by flush(), or, when someone waits in whenCommitted(), on
 * the next turn of the event loop: records of one turn share one transaction. A
 * failed commit is retried, with the records recorded since merged in (newer states
 * win), until it succeeds or close() gives up. A record storage refuses for good is
 * set aside alone, logged with its id and counted in `rejected`.
 */
import type { Logger } from 'pino'
import { rowsOf, type ExecutionStorage, type RecordBatch, type RecordKind, type RefusedRecord, type RetryStorage, type TaskSource } from '../storage/storage.js'
import type { StoredExecution, RetryRecord } from '../types.js'
import { ErrorCodes } from '../errors.js'
import { RecordBuffer, type CommitCallback } from './record-buffer.js'
import type { StorageHealth } from './storage-health.js'
import type { ResolvedTracerOptions } from './tracer-options.js'

/** The counters of the record writer, part of the tracer's stats. */
interface RecordCounters {
  recordsWritten: number
  commits: number
  rejected: number
  lost: number
  writeErrors: number
}

/** Writes execution, task and failure-case records by group commit (see the top of this file). */
export class RecordWriter {
  readonly #storage: ExecutionStorage
  readonly #options: ResolvedTracerOptions
  readonly #logger: Logger
  readonly #ready: () => Promise<void>
  readonly #health: StorageHealth
  #buffer = new RecordBuffer()
  #inflight: RecordBuffer | null = null
  #retry: NodeJS.Timeout | null = null
  // A cut is wanted (timer, flush, or a waiter) as soon as no commit is in flight.
  #due = false
  #scheduled = false
  #giveUp = false
  readonly #counters: RecordCounters = { recordsWritten: 0, commits: 0, rejected: 0, lost: 0, writeErrors: 0 }

  constructor (storage: ExecutionStorage, options: ResolvedTracerOptions, logger: Logger, ready: () => Promise<void>, health: StorageHealth) {
    this.#health = health
    this.#storage = storage
    this.#options = options
    this.#logger = logger
    this.#ready = ready
  }

  /** Buffers the latest state of an execution. */
  recordExecution (r: StoredExecution): void { this.#buffer.setExecution(r) }
  /** Buffers the latest state of a task. */
  recordTask (source: TaskSource, i: number): void { this.#buffer.setTask(source, i) }
  recordTasks (source: TaskSource, tasks: Int32Array, count: number): void { this.#buffer.setTasks(source, tasks, count) }
  /** Buffers the latest state of a failure case. */
  recordRetry (r: RetryRecord): void { this.#buffer.setRetry(r) }

  /** Estimated bytes of records buffered or being written. */
  get backlogBytes (): number {
    return this.#buffer.bytes + (this.#inflight?.bytes ?? 0)
  }

  /** Its counters, for the tracer's stats. */
  get counters (): Readonly<RecordCounters> {
    return this.#counters
  }

  /**
   * Calls `callback(arg, true)` once every record recorded before this call is
   * committed, or `callback(arg, false)` once close() gave up on them. Never calls
   * it synchronously.
   */
  whenCommitted<T> (callback: CommitCallback<T>, arg: T): void {
    if (this.#giveUp || (this.#buffer.size === 0 && this.#inflight === null)) {
      const committed = !this.#giveUp
      queueMicrotask(() => callback(arg, committed))
    } else if (this.#buffer.size === 0) {
      this.#inflight!.wait(callback as CommitCallback<unknown>, arg)
    } else {
      this.#buffer.wait(callback as CommitCallback<unknown>, arg)
      this.#cutSoon()
    }
  }

  /** The flush timer: cut what is buffered now, or as soon as the commit in flight ends. */
  tick (): void {
    this.#due = true
    this.#cut()
  }

  /** Resolves once everything recorded so far is committed (or given up). */
  flush (): Promise<void> {
    this.#due = true
    this.#cut()
    return new Promise(resolve => this.whenCommitted(resolve, undefined))
  }

  /**
   * close() gave up: whatever is not committed is counted lost and reported by id,
   * its waiters called with `false`. A write still in flight is not waited for.
   */
  abandon (): void {
    this.#giveUp = true
    if (this.#retry !== null) clearTimeout(this.#retry)
    this.#retry = null
    for (const group of [this.#inflight, this.#buffer]) {
      if (group === null || (group.size === 0 && !group.hasWaiters)) continue
      this.#counters.lost += group.size
      if (group.size > 0) this.#logger.error({ kind: 'records', ...group.ids() }, 'storage unavailable at close: these records were not written')
      group.settle(false, this.#logger)
    }
    this.#inflight = null
    this.#buffer = new RecordBuffer()
  }

  #cutSoon (): void {
    this.#due = true
    if (this.#scheduled || this.#inflight !== null) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#cut()
    })
  }

  #cut (): void {
    if (this.#inflight !== null || this.#buffer.size === 0 || !this.#due) return
    if (this.#giveUp) {
      this.abandon()
      return
    }
    this.#due = false
    const group = this.#inflight = this.#buffer
    this.#buffer = new RecordBuffer()
    this.#attempt(group, 0)
  }

  #attempt (group: RecordBuffer, failures: number): void {
    const batch = group.batch()
    this.#write(batch).then(refused => {
      if (this.#inflight !== group) return
      this.#health.up()
      this.#refused(batch, refused)
      this.#counters.recordsWritten += group.size - refused.length
      this.#counters.commits++
      this.#inflight = null
      group.settle(true, this.#logger)
      if (this.#buffer.hasWaiters) this.#due = true
      this.#cut()
    }, (err: unknown) => {
      if (this.#inflight !== group) return
      this.#counters.writeErrors++
      const delay = Math.min(this.#options.maxWriteRetryDelay, this.#options.writeRetryDelay * 2 ** failures)
      this.#health.down(err, delay)
      this.#retry = setTimeout(() => {
        this.#retry = null
        // The next try carries what was recorded meanwhile: one transaction, newer states winning.
        group.absorb(this.#buffer)
        this.#buffer = new RecordBuffer()
        this.#attempt(group, failures + 1)
      }, delay)
      this.#retry.unref()
    })
  }

  #refused (batch: RecordBatch, refused: readonly RefusedRecord[]): void {
    for (const r of refused) {
      this.#counters.rejected++
      this.#logger.error({ kind: r.kind, id: idOf(batch, r), code: r.code, reason: r.reason },
        'storage refused a record for good; it is set aside and the others are written')
    }
  }

  async #write (batch: RecordBatch): Promise<RefusedRecord[]> {
    await this.#ready()
    if (this.#storage.writeRecords !== undefined) return this.#storage.writeRecords(batch)
    return writeOneByOne(this.#storage, batch)
  }
}

/** Id of a refused record, for its log line. */
function idOf (batch: RecordBatch, r: RefusedRecord): string {
  switch (r.kind) {
    case 'executions': return batch.executions[r.index]?.executionId ?? `#${r.index}`
    case 'tasks': { const t = batch.tasks.at(r.index); return t === undefined ? `#${r.index}` : `${t.executionId}/${t.taskId}` }
    case 'retries': return `${batch.retries[r.index]?.executionId ?? `#${r.index}`}/retry`
    default: return `#${r.index}`
  }
}

interface Rejection { code?: string, message?: string, rejected?: ReadonlyArray<{ index: number, code?: string, reason?: string }> }

/**
 * For a storage without writeRecords: the three writes one after the other (not
 * atomic). A write that names the records it refused counts them; RECORD_TOO_LARGE
 * without names is narrowed down by writing the records one at a time.
 */
async function writeOneByOne (storage: ExecutionStorage, batch: RecordBatch): Promise<RefusedRecord[]> {
  const refused: RefusedRecord[] = []
  const kinds: Array<[RecordKind, readonly unknown[], (items: never[]) => Promise<void>]> = [
    ['executions', batch.executions, items => storage.writeExecutions(items)],
    ['tasks', rowsOf(batch.tasks), items => storage.writeTaskResults(items)],
    ['retries', batch.retries, items => (storage as ExecutionStorage & RetryStorage).writeRetryRecords(items)]
  ]
  for (const [kind, items, write] of kinds) {
    if (items.length === 0) continue
    try {
      await write(items as never[])
    } catch (err) {
      const e = err as Rejection
      if (Array.isArray(e?.rejected) && e.rejected.every(r => Number.isInteger(r?.index) && r.index >= 0 && r.index < items.length)) {
        for (const r of e.rejected) refused.push({ kind, index: r.index, code: r.code ?? e.code ?? ErrorCodes.STORAGE_ERROR, reason: r.reason ?? e.message ?? '' })
      } else if (e?.code === ErrorCodes.RECORD_TOO_LARGE) {
        for (let i = 0; i < items.length; i++) {
          await write([items[i]] as never[]).catch((one: Rejection) => {
            if (one?.code !== ErrorCodes.RECORD_TOO_LARGE) throw one
            refused.push({ kind, index: i, code: ErrorCodes.RECORD_TOO_LARGE, reason: one.message ?? '' })
          })
        }
      } else {
        throw err
      }
    }
  }
  return refused
}
