/**
 * Spans to SQL tuples straight from the columns they crossed the thread in
 * (span-wire.ts): for a task span no SpanRecord, no attributes object and no
 * JSON.stringify, its attributes written as JSON text of a known shape (the same
 * text `spanTuple(taskSpan(...))` writes: a test holds the two equal). Spans given
 * as objects are read from their columns and their attributes made JSON.
 */
import type { ErrorInfo } from '../../errors.js'
import { Attr } from '../../telemetry/span-attributes.js'
import { taskSpanId } from '../../telemetry/span-ids.js'
import { kCacheHitThread, kOtherText, type WireSpans } from '../../telemetry/span-wire.js'
import { jsonText } from './sql.js'
import { spanTupleOf } from './telemetry-codec.js'

const key = (name: string): string => JSON.stringify(name) + ':'
const kAttempt = '{' + key(Attr.attempt)
const kQueueWait = ',' + key(Attr.queueWait)
const kRunTime = ',' + key(Attr.runTime)
const kThread = ',' + key(Attr.threadId)
const kSuccess = ',' + key(Attr.taskStatus) + '"success"'
const kFailed = ',' + key(Attr.taskStatus) + '"failed"'
const kMapIndex = ',' + key(Attr.mapIndex)
const kCached = ',' + key(Attr.cached) + 'true'
const kErrorType = ',' + key(Attr.errorType)

// A number as JSON writes it (null when not finite).
function jsonNumber (x: number): string {
  return Number.isFinite(x) ? String(x) : 'null'
}

/** The rows of a batch of spans as the writer thread inserts them. */
export class SpanTuples {
  readonly #w: WireSpans
  readonly #errors: Map<number, ErrorInfo> | null
  readonly length: number
  /** Per row: the execution id and the span id, which lead the table's key. */
  readonly executionIds: string[]
  readonly spanIds: string[]

  constructor (wire: WireSpans) {
    this.#w = wire
    this.#errors = wire.errors.length === 0 ? null : new Map(wire.errors)
    const n = this.length = wire.count + wire.others.count
    const executionIds: string[] = this.executionIds = new Array(n)
    const spanIds: string[] = this.spanIds = new Array(n)
    const { ints, owners, others } = wire
    for (let k = 0; k < wire.count; k++) {
      const owner = owners[ints[4 * k + 3]]
      executionIds[k] = owner.id
      spanIds[k] = taskSpanId(owner.rootSpanId, ints[4 * k], ints[4 * k + 1])
    }
    for (let j = 0, k = wire.count; k < n; j++, k++) {
      executionIds[k] = String(others.text[kOtherText * j])
      spanIds[k] = String(others.text[kOtherText * j + 1])
    }
  }

  /** Row `k` as a SQL tuple for `<prefix>spans`. */
  tuple (k: number): string {
    const w = this.#w
    if (k >= w.count) {
      const o = w.others
      const j = k - w.count
      const t = o.text
      const at = kOtherText * j
      return spanTupleOf(t[at], t[at + 1], t[at + 2], t[at + 3], t[at + 4], t[at + 5], o.times[2 * j], o.times[2 * j + 1],
        t[at + 6], t[at + 7], jsonText(o.attributes[j] ?? {}), jsonText(o.events[j]))
    }
    const owner = w.owners[w.ints[4 * k + 3]]
    const task = w.ints[4 * k]
    const thread = w.ints[4 * k + 2]
    const start = w.times[3 * k]
    const end = w.times[3 * k + 1]
    const error = this.#errors?.get(k) ?? null
    const taskId = owner.taskIds[task]
    const mapIndex = owner.mapIndexes[task] ?? -1
    let attributes = kAttempt + String(w.ints[4 * k + 1]) +
      kQueueWait + jsonNumber(Math.max(0, Math.round((start - w.times[3 * k + 2]) * 1000) / 1000)) +
      kRunTime + jsonNumber(Math.round((end - start) * 1000) / 1000) +
      kThread + (thread === kCacheHitThread ? '-1' : String(thread)) + (error === null ? kSuccess : kFailed)
    if (mapIndex !== -1) attributes += kMapIndex + String(mapIndex)
    if (thread === kCacheHitThread) attributes += kCached
    if (error !== null && error.code !== undefined) attributes += kErrorType + jsonText(error.code)!
    return spanTupleOf(owner.id, this.spanIds[k], owner.traceId, owner.rootSpanId, taskId, mapIndex === -1 ? taskId : `${taskId}[${mapIndex}]`,
      start, end, error === null ? 'OK' : 'ERROR', error?.message, attributes + '}', undefined)
  }
}
