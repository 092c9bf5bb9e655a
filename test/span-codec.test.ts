import { describe, expect, test } from 'vitest'
import { SpanColumns, type SpanOwner } from '../src/telemetry/span-rows.js'
import { kCacheHitThread, spansToWire } from '../src/telemetry/span-wire.js'
import { SpanTuples } from '../src/storage/mysql/span-codec.js'
import { spanTuple } from '../src/storage/mysql/telemetry-codec.js'
import type { SpanRecord } from '../src/types.js'

function owner (id: string, tasks: number): SpanOwner {
  const attempts = new Uint16Array(tasks).fill(1)
  const readyAt = new Float64Array(tasks).map((_, i) => 1_765_000_000_000.125 + i)
  const taskStart = readyAt.map(t => t + 0.042)
  const taskEnd = taskStart.map((t, i) => t + 0.85 * (i + 1))
  return {
    id,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    rootSpanId: 'b7ad6b7169203331',
    attempts,
    readyAt,
    taskStart,
    taskEnd,
    taskIdOf: i => i === 3 ? "it's\\odd" : `t${i}`,
    mapIndexOf: i => i === 2 ? 7 : -1
  }
}

const objectSpans: SpanRecord[] = [
  { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), executionId: 'E-OBJ', name: 'execution', startTime: 1_765_000_000_000.5, endTime: 1_765_000_000_100.25, statusCode: 'OK', attributes: { 'graph_task.workflow.id': "o'k", n: 3, b: true } },
  { traceId: 'ab'.repeat(16), spanId: 'ef'.repeat(8), parentSpanId: 'cd'.repeat(8), executionId: 'E-OBJ', taskId: 'x', name: 'x', startTime: 1_765_000_000_001, endTime: 1_765_000_000_002, statusCode: 'ERROR', statusMessage: 'bad \\ "thing"\n', attributes: {}, events: [{ name: 'retry', time: 1_765_000_000_001.5 }] }
]

// The writer thread encodes task spans straight from the columns, without the
// SpanRecord that storage reads back: these hold the two to the same SQL, whatever
// a task span carries (a failure, a map index, a cache hit, a later attempt).
// Removing the cached attribute, the map index suffix or the error type from
// span-codec.ts, or reading a column of `others` out of place, fails them.
describe('spans cross to the writer thread as columns and are encoded as their records would be', () => {
  test('task spans and spans given as objects: every tuple is the one of its SpanRecord', () => {
    const columns = new SpanColumns(16)
    const a = owner('E-A', 5)
    const b = owner('E-B', 5)
    columns.pushSuccess(a, 0, 1)
    columns.pushSuccess(a, 2, 2)
    columns.pushSuccess(b, 3, kCacheHitThread)
    columns.pushTask(a, 1, 1, 1_765_000_000_010, 1_765_000_000_011.5, 1_765_000_000_012.75, 2, { code: "E'X\\", message: "it failed: 'quote'" })
    columns.pushTask(b, 1, 2, NaN, 1_765_000_000_020, 1_765_000_000_021, 1, null)
    columns.pushTask(b, 4, 3, 1_765_000_000_030, 1_765_000_000_030.001, 1_765_000_000_031, 1, { code: 'TASK_TIMEOUT', message: 'timed out' })
    for (const s of objectSpans) columns.push(s)
    // What crosses the thread: a structured clone of the columns.
    const tuples = new SpanTuples(structuredClone(columns.toWire()))
    expect(tuples.length).toBe(columns.length)
    for (let k = 0; k < columns.length; k++) {
      const span = columns.at(k)!
      expect(tuples.tuple(k)).toBe(spanTuple(span))
      expect([tuples.executionIds[k], tuples.spanIds[k]]).toEqual([span.executionId, span.spanId])
    }
  })

  test('a list of spans that did not come from the recorder crosses as columns of its fields', () => {
    const tuples = new SpanTuples(structuredClone(spansToWire(objectSpans)))
    expect(tuples.length).toBe(2)
    for (let k = 0; k < objectSpans.length; k++) expect(tuples.tuple(k)).toBe(spanTuple(objectSpans[k]))
  })
})
