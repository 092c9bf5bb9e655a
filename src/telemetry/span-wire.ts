/**
 * Spans as they cross to the storage writer's thread: task spans as typed arrays of
 * times and integers with each execution's ids once and only the rare errors as
 * objects; other spans (given as objects) as columns of their fields. The structured
 * clone of a batch is a few array copies and strings, not one object per span; the
 * writer encodes rows from the columns (or makes SpanRecords of them, `at`).
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

/** A batch of spans as columns (SpanColumns.toWire, spansToWire). */
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
  /** Spans that are not task attempts (an execution's root span). */
  others: WireOtherSpans
}

/**
 * Spans given as objects, as columns of their fields: a structured clone of a few
 * arrays of strings costs a third of one of as many objects.
 */
export interface WireOtherSpans {
  count: number
  /** Per span, kOtherText strings (undefined where the field is absent), in the order of kOtherFields. */
  text: Array<string | undefined>
  /** Per span: start, end. */
  times: Float64Array
  attributes: Array<SpanRecord['attributes'] | undefined>
  events: Array<SpanRecord['events'] | undefined>
}

/** The text fields of a span given as an object, in the order WireOtherSpans.text holds them. */
export const kOtherFields = ['executionId', 'spanId', 'traceId', 'parentSpanId', 'taskId', 'name', 'statusCode', 'statusMessage'] as const
export const kOtherText = kOtherFields.length

/** Spans given as objects, as columns. */
export function otherSpansToWire (spans: readonly SpanRecord[]): WireOtherSpans {
  const n = spans.length
  const text: Array<string | undefined> = new Array(kOtherText * n)
  const times = new Float64Array(2 * n)
  const attributes: WireOtherSpans['attributes'] = new Array(n)
  const events: WireOtherSpans['events'] = new Array(n)
  for (let j = 0; j < n; j++) {
    const s = spans[j]
    const at = kOtherText * j
    text[at] = s.executionId
    text[at + 1] = s.spanId
    text[at + 2] = s.traceId
    text[at + 3] = s.parentSpanId
    text[at + 4] = s.taskId
    text[at + 5] = s.name
    text[at + 6] = s.statusCode
    text[at + 7] = s.statusMessage
    times[2 * j] = s.startTime
    times[2 * j + 1] = s.endTime
    attributes[j] = s.attributes
    events[j] = s.events
  }
  return { count: n, text, times, attributes, events }
}

/** Any list of spans as a batch of columns with no task rows. */
export function spansToWire (spans: readonly SpanRecord[]): WireSpans {
  return { count: 0, times: new Float64Array(0), ints: new Int32Array(0), owners: [], errors: [], others: otherSpansToWire(spans) }
}

/** Span `j` of `others` as the object it was given as (its own fields only). */
export function otherSpan (o: WireOtherSpans, j: number): SpanRecord {
  const at = kOtherText * j
  const span: SpanRecord = {
    traceId: o.text[at + 2]!,
    spanId: o.text[at + 1]!,
    executionId: o.text[at]!,
    name: o.text[at + 5]!,
    startTime: o.times[2 * j],
    endTime: o.times[2 * j + 1],
    statusCode: o.text[at + 6] as SpanRecord['statusCode'],
    attributes: o.attributes[j]!
  }
  if (o.text[at + 3] !== undefined) span.parentSpanId = o.text[at + 3]
  if (o.text[at + 4] !== undefined) span.taskId = o.text[at + 4]
  if (o.text[at + 7] !== undefined) span.statusMessage = o.text[at + 7]
  if (o.events[j] !== undefined) span.events = o.events[j]
  return span
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

  get length (): number { return this.#w.count + this.#w.others.count }

  executionIdOf (k: number): string {
    const w = this.#w
    return k < w.count ? w.owners[w.ints[4 * k + 3]].id : w.others.text[kOtherText * (k - w.count)]!
  }

  at (k: number): SpanRecord | undefined {
    const w = this.#w
    if (k < 0 || k >= this.length) return undefined
    if (k >= w.count) return otherSpan(w.others, k - w.count)
    const owner = w.owners[w.ints[4 * k + 3]]
    const task = w.ints[4 * k]
    return taskSpan(owner.id, owner.traceId, owner.rootSpanId, owner.taskIds[task], owner.mapIndexes[task] ?? -1, task, w.ints[4 * k + 1],
      w.times[3 * k + 2], w.times[3 * k], w.times[3 * k + 1], w.ints[4 * k + 2], this.#errors.get(k) ?? null)
  }

  * [Symbol.iterator] (): Iterator<SpanRecord> {
    for (let k = 0; k < this.length; k++) yield this.at(k)!
  }
}
