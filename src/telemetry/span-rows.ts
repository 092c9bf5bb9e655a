/**
 * Spans of task attempts as columns, a batch at a time: recording a span writes
 * one reference and a few numbers (no object, no id string); the SpanRecord is
 * made only when storage asks for row k (`at`). A span's id is derived from its
 * execution's root span id, task and attempt (span-ids.ts): the same on every
 * later read or retried write, and the one the handler and OpenTelemetry were
 * given. Spans that are not task attempts (an
 * execution's root span, one per execution) ride along as objects after the
 * columns.
 */
import type { ErrorInfo } from '../errors.js'
import type { SpanRows } from '../storage/storage.js'
import type { SpanRecord } from '../types.js'
import { otherSpansToWire, taskSpan, type WireSpanOwner, type WireSpans } from './span-wire.js'
import { Runs } from './runs.js'

/**
 * Who a task span belongs to: an execution, by its ids, and its tasks by index,
 * with the times of each task's last attempt (final once the task succeeded).
 */
export interface SpanOwner {
  readonly id: string
  readonly traceId: string
  /** The execution's root span: the parent of its task spans. */
  readonly rootSpanId: string
  readonly attempts: Uint16Array
  readonly readyAt: Float64Array
  readonly taskStart: Float64Array
  readonly taskEnd: Float64Array
  taskIdOf (i: number): string
  /** The index of an instance of a mapped task, -1 for any other task. */
  mapIndexOf (i: number): number
}

export class SpanColumns implements SpanRows {
  readonly capacity: number
  #count = 0
  readonly #owners = new Runs<SpanOwner>()
  // Errors are rare: kept by row, only where there is one.
  #errors: Map<number, ErrorInfo> | null = null
  // Per row: start, end, ready (when the task could start).
  readonly #times: Float64Array
  // Per row: task index, attempt, worker thread id.
  readonly #ints: Int32Array
  readonly #others: SpanRecord[] = []

  constructor (capacity: number) {
    this.capacity = capacity
    // One buffer for both columns: one allocation per batch of spans.
    const buffer = new ArrayBuffer(36 * capacity)
    this.#times = new Float64Array(buffer, 0, 3 * capacity)
    this.#ints = new Int32Array(buffer, 24 * capacity, 3 * capacity)
  }

  /** Rows held: columns and others. */
  get length (): number { return this.#count + this.#others.length }
  get full (): boolean { return this.length >= this.capacity }

  /** The span of one attempt of task `task` of `owner`. */
  pushTask (owner: SpanOwner, task: number, attempt: number, readyAt: number, start: number, end: number,
    threadId: number, error: ErrorInfo | null): void {
    const k = this.#count++
    this.#owners.extend(owner, this.#count)
    if (error !== null) (this.#errors ??= new Map()).set(k, error)
    this.#times[3 * k] = start
    this.#times[3 * k + 1] = end
    this.#times[3 * k + 2] = readyAt
    this.#ints[3 * k] = task
    this.#ints[3 * k + 1] = attempt
    this.#ints[3 * k + 2] = threadId
  }

  /**
   * The span of the attempt in which task `task` of `owner` succeeded: its times are
   * read from the owner when the row is made (a success is final, they do not change).
   */
  pushSuccess (owner: SpanOwner, task: number, threadId: number): void {
    const k = this.#count++
    this.#owners.extend(owner, this.#count)
    this.#times[3 * k] = NaN
    this.#ints[3 * k] = task
    this.#ints[3 * k + 2] = threadId
  }

  /** Any other span, as an object. */
  push (span: SpanRecord): void {
    this.#others.push(span)
  }

  executionIdOf (k: number): string {
    return k < this.#count ? this.#owners.at(k).id : this.#others[k - this.#count].executionId
  }

  at (k: number): SpanRecord | undefined {
    if (k < 0 || k >= this.length) return undefined
    if (k >= this.#count) return this.#others[k - this.#count]
    const owner = this.#owners.at(k)
    const task = this.#ints[3 * k]
    const success = this.#times[3 * k] !== this.#times[3 * k] // NaN: a success, read from the owner
    return taskSpan(owner.id, owner.traceId, owner.rootSpanId, owner.taskIdOf(task), owner.mapIndexOf(task), task,
      success ? owner.attempts[task] : this.#ints[3 * k + 1],
      success ? owner.readyAt[task] : this.#times[3 * k + 2],
      success ? owner.taskStart[task] : this.#times[3 * k],
      success ? owner.taskEnd[task] : this.#times[3 * k + 1],
      this.#ints[3 * k + 2], this.#errors?.get(k) ?? null)
  }

  /**
   * The rows as columns for another thread (see span-wire.ts): the times of
   * successes read from their owners now, each owner's ids once, no SpanRecord made.
   */
  toWire (): WireSpans {
    const n = this.#count
    const times = new Float64Array(3 * n)
    const ints = new Int32Array(4 * n)
    const owners: WireSpanOwner[] = []
    const index = new Map<SpanOwner, WireSpanOwner & { at: number }>()
    for (let k = 0; k < n; k++) {
      const owner = this.#owners.at(k)
      let wire = index.get(owner)
      if (wire === undefined) {
        wire = { id: owner.id, traceId: owner.traceId, rootSpanId: owner.rootSpanId, taskIds: [], mapIndexes: [], at: owners.length }
        index.set(owner, wire)
        owners.push(wire)
      }
      const task = this.#ints[3 * k]
      if (wire.taskIds[task] === undefined) {
        wire.taskIds[task] = owner.taskIdOf(task)
        const mapIndex = owner.mapIndexOf(task)
        if (mapIndex !== -1) wire.mapIndexes[task] = mapIndex
      }
      const success = this.#times[3 * k] !== this.#times[3 * k]
      times[3 * k] = success ? owner.taskStart[task] : this.#times[3 * k]
      times[3 * k + 1] = success ? owner.taskEnd[task] : this.#times[3 * k + 1]
      times[3 * k + 2] = success ? owner.readyAt[task] : this.#times[3 * k + 2]
      ints[4 * k] = task
      ints[4 * k + 1] = success ? owner.attempts[task] : this.#ints[3 * k + 1]
      ints[4 * k + 2] = this.#ints[3 * k + 2]
      ints[4 * k + 3] = wire.at
    }
    return { count: n, times, ints, owners, errors: this.#errors === null ? [] : [...this.#errors], others: otherSpansToWire(this.#others) }
  }

  * [Symbol.iterator] (): Iterator<SpanRecord> {
    for (let k = 0; k < this.length; k++) yield this.at(k)!
  }
}
