/**
 * Task spans as they cross to the storage writer's thread: typed arrays of times and
 * integers, each execution's ids once, and only the rare errors and non-task spans
 * as objects. The structured clone of a batch is two array copies and a few strings,
 * not one object per span; the SpanRecords are made on the writer's side (`at`).
 */
import type { ErrorInfo } from '../errors.js'
import type { SpanRows } from '../storage/storage.js'
import type { SpanRecord } from '../types.js'
import { taskSpanId } from './span-ids.js'
import { Attr } from './span-attributes.js'

/** An execution whose task spans are in a batch: its ids, and the ids of its tasks by index (only those in the batch). */
export interface WireSpanOwner {
  id: string
  traceId: string
  rootSpanId: string
  taskIds: string[]
  /** The map index of the instances among those tasks, by task index (absent for other tasks). */
  mapIndexes: number[]
}

/** A batch of spans as columns (SpanColumns.toWire). */
export interface WireSpans {
  /** Rows in the columns; `others` follow them. */
  count: number
  /** Per row: start, end, ready (when the task could start). */
  times: Float64Array
  /** Per row: task index, attempt, worker thread id, owner (index into `owners`). */
  ints: Int32Array
  owners: WireSpanOwner[]
  /** [row, error] for the rows of failed attempts. */
  errors: Array<[number, ErrorInfo]>
  /** Spans that are not task attempts (an execution's root span), as objects. */
  others: SpanRecord[]
}

/** The thread id recorded for a task that took its output from the cache: its span says `task.cached`. */
export const kCacheHitThread = -2

/** The span of one attempt of a task, as storage keeps it. */
export function taskSpan (executionId: string, traceId: string, rootSpanId: string, taskId: string, mapIndex: number, task: number, attempt: number,
  ready: number, start: number, end: number, threadId: number, error: ErrorInfo | null): SpanRecord {
  const span: SpanRecord = {
    traceId,
    spanId: taskSpanId(rootSpanId, task, attempt),
    parentSpanId: rootSpanId,
    executionId,
    taskId,
    name: mapIndex === -1 ? taskId : `${taskId}[${mapIndex}]`,
    startTime: start,
    endTime: end,
    statusCode: error === null ? 'OK' : 'ERROR',
    attributes: {
      [Attr.attempt]: attempt,
      [Attr.queueWait]: Math.max(0, Math.round((start - ready) * 1000) / 1000),
      [Attr.runTime]: Math.round((end - start) * 1000) / 1000,
      [Attr.threadId]: threadId,
      [Attr.taskStatus]: error === null ? 'success' : 'failed'
    }
  }
  if (mapIndex !== -1) span.attributes[Attr.mapIndex] = mapIndex
  if (threadId === kCacheHitThread) {
    span.attributes[Attr.cached] = true
    span.attributes[Attr.threadId] = -1
  }
  if (error !== null) {
    span.statusMessage = error.message
    span.attributes[Attr.errorType] = error.code
  }
  return span
}

/** A received batch read as rows: each SpanRecord made when asked for. */
export class WireSpanRows implements SpanRows {
  readonly #w: WireSpans
  readonly #errors: Map<number, ErrorInfo>

  constructor (wire: WireSpans) {
    this.#w = wire
    this.#errors = new Map(wire.errors)
  }

  get length (): number { return this.#w.count + this.#w.others.length }

  executionIdOf (k: number): string {
    const w = this.#w
    return k < w.count ? w.owners[w.ints[4 * k + 3]].id : w.others[k - w.count].executionId
  }

  at (k: number): SpanRecord | undefined {
    const w = this.#w
    if (k < 0 || k >= this.length) return undefined
    if (k >= w.count) return w.others[k - w.count]
    const owner = w.owners[w.ints[4 * k + 3]]
    const task = w.ints[4 * k]
    return taskSpan(owner.id, owner.traceId, owner.rootSpanId, owner.taskIds[task], owner.mapIndexes[task] ?? -1, task, w.ints[4 * k + 1],
      w.times[3 * k + 2], w.times[3 * k], w.times[3 * k + 1], w.ints[4 * k + 2], this.#errors.get(k) ?? null)
  }

  * [Symbol.iterator] (): Iterator<SpanRecord> {
    for (let k = 0; k < this.length; k++) yield this.at(k)!
  }
}
