import v8 from 'node:v8'
import { beforeEach, describe, expect, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import type { MySQLStorage } from '../dist/mysql.js'
import { execution, executionId, log, serialized, span, task, useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()
let storage: MySQLStorage
// Made by the first test that needs it, so that a missing server fails each test (see useTestDatabase).
let ready: Promise<void> | undefined
beforeEach(async () => {
  ready ??= (async () => {
    storage = db.storage()
    await storage.init()
  })()
  await ready
})

const kTricky = [
  `it's a "quote" and a backtick \` and a backslash \\ and \\' and \\\\`,
  'emoji 😀🎉👩‍👩‍👧 and 中文 and ñ',
  'control \0 \b \t \n \r \x1a chars',
  'x'.repeat(10_000),
  '😀'.repeat(10_000),
  "'; DROP TABLE gt_executions; --"
]

/** The first `n` code points: VARCHAR(n) counts characters, and a cut surrogate pair would not round-trip. */
function chars (text: string, n: number): string {
  return [...text].slice(0, n).join('')
}

describe('MySQLStorage round trips', () => {
  test('names, inputs and messages with quotes, backslashes, emoji and 10k-character strings come back exactly', async () => {
    for (const [i, text] of kTricky.entries()) {
      const n = 100 + i
      const record = execution(n, {
        workflowVersion: chars(text, 255),
        instanceId: chars(text, 255),
        input: serialized({ text }),
        status: 'failed',
        error: { code: chars(text, 300), message: text, stack: text, retryable: false, taskId: 'a' }
      })
      const taskRecord = task(n, 'a', { name: text, status: 'failed', error: { code: 'E', message: text, retryable: true } })
      const entry = log(n, 0, { message: text, data: { text, nested: { list: [text] } } })
      const spanRecord = span(n, 0, { name: text, statusMessage: text, attributes: { text }, events: [{ name: text, time: 1.5 }] })
      await storage.writeExecutions([record])
      await storage.writeTaskResults([taskRecord])
      await storage.writeLogs([entry])
      await storage.writeSpans([spanRecord])
      expect(await storage.getExecution(record.executionId)).toEqual(record)
      expect(v8.deserialize((await storage.getExecution(record.executionId))!.input)).toEqual({ text })
      expect(await storage.getTaskResults(record.executionId)).toEqual([taskRecord])
      expect(await storage.getLogs(record.executionId)).toEqual([entry])
      expect(await storage.getSpans(record.executionId)).toEqual([spanRecord])
    }
  })

  test('text with lone surrogates, or that starts with the escape mark U+FDD0, comes back exactly, not as U+FFFD', async () => {
    const texts = ['lone high \uD800 here', 'lone low \uDFFF', '\uDC00\uD800 reversed pair', 'ends with half \uD83D', '\uFDD0 starts with the mark', '\uFDD0"{}']
    for (const [i, text] of texts.entries()) {
      const n = 300 + i
      const record = execution(n, { status: 'failed', error: { code: text, message: text, stack: text } })
      const taskRecord = task(n, 'a', { name: text, status: 'failed', error: { code: text, message: text } })
      const entry = log(n, 0, { message: text, data: { text } })
      const spanRecord = span(n, 0, { name: text, statusMessage: text, attributes: { text } })
      await storage.writeExecutions([record])
      await storage.writeTaskResults([taskRecord])
      await storage.writeLogs([entry])
      await storage.writeSpans([spanRecord])
      expect(await storage.getExecution(record.executionId)).toEqual(record)
      expect(await storage.getTaskResults(record.executionId)).toEqual([taskRecord])
      expect(await storage.getLogs(record.executionId)).toEqual([entry])
      expect(await storage.getSpans(record.executionId)).toEqual([spanRecord])
    }
  })

  test('times with microseconds come back as the very same numbers', async () => {
    const base = 1_795_669_240_361
    const times = [
      base + 0.549, base + 0.001, base + 0.999, base + 0.5, base, 0.001, 1000.999,
      8_999_999_999_999.999, // 2255-03-14: past 2^53 µs a double no longer holds every microsecond
      -30_610_224_000_000 + 0.001 // 1000-01-01 00:00:00.000001
    ]
    // every microsecond of a few seconds, as the scheduler's now() makes them
    for (let i = 0; i < 2000; i++) times.push(Math.round((base + i * 1.000123 + Math.random()) * 1000) / 1000)
    const entries = times.map((time, i) => log(1, i, { time }))
    await storage.writeExecutions([execution(1)])
    await storage.writeLogs(entries)
    const back = await storage.getLogs(executionId(1), { limit: 5000 })
    expect(back.map(l => l.time)).toEqual(times)
    const [row] = await db.query<RowDataPacket[]>(
      'SELECT CAST(time AS CHAR) AS t FROM gt_logs WHERE execution_id = ? ORDER BY seq LIMIT 1', [executionId(1)])
    expect(row.t).toBe('2026-11-26 05:00:40.361549')
  })

  test('task outputs serialised with node:v8 (typed arrays, Map, Date, BigInt) come back losslessly', async () => {
    const value = {
      floats: new Float64Array([Math.PI, -0, Number.MIN_VALUE, NaN]),
      bytes: new Uint8Array(70_000).map((_, i) => i % 251),
      big: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
      map: new Map<unknown, unknown>([[1, 'one'], ['two', new Set([2])]]),
      date: new Date('2026-01-02T03:04:05.678Z'),
      bigint: 12345678901234567890123456789n,
      nested: [undefined, null, { deep: 'ok' }]
    }
    const output = serialized(value)
    await storage.writeExecutions([execution(2)])
    await storage.writeTaskResults([task(2, 'out', { output })])
    const [back] = await storage.getTaskResults(executionId(2))
    expect(back.output).toEqual(output)
    expect(v8.deserialize(back.output!)).toEqual(value)
  })

  test('later writes of an execution or task update it in place', async () => {
    await storage.writeExecutions([execution(3, { status: 'running', endedAt: undefined, completedTasks: 0 })])
    await storage.writeTaskResults([task(3, 'a', { status: 'running', endedAt: undefined, duration: undefined, output: undefined })])
    const done = execution(3, { status: 'failed', error: { code: 'TASK_FAILED', message: 'boom', taskId: 'a' } })
    const failed = task(3, 'a', { status: 'failed', attempts: 3, output: undefined, error: { code: 'X', message: 'boom', stack: 'Error: boom\n    at x' } })
    await storage.writeExecutions([done])
    await storage.writeTaskResults([failed])
    expect(await storage.getExecution(done.executionId)).toEqual(done)
    expect(await storage.getTaskResults(done.executionId)).toEqual([failed])
  })

  test('a batch written twice (a retry after a lost reply) leaves no duplicate log lines or spans', async () => {
    await storage.writeExecutions([execution(4)])
    const entries = Array.from({ length: 50 }, (_, i) => log(4, i))
    const spans = Array.from({ length: 50 }, (_, i) => span(4, i))
    await storage.writeLogs(entries)
    await storage.writeSpans(spans)
    await storage.writeLogs(entries)
    await storage.writeSpans(spans)
    expect(await storage.getLogs(executionId(4))).toEqual(entries)
    expect(await storage.getSpans(executionId(4))).toEqual(spans)
  })

  test('spans come back ordered by start time, with parent, attributes and events', async () => {
    await storage.writeExecutions([execution(5)])
    const root = span(5, 0, { taskId: undefined, name: 'execution wf', attributes: { 'workflow.tasks': 2 } })
    const late = span(5, 2, { parentSpanId: root.spanId, statusCode: 'ERROR', statusMessage: 'boom', attributes: { 'error.type': 'X' } })
    const early = span(5, 1, { parentSpanId: root.spanId, events: [{ name: 'retry', time: 1_795_669_245_000.25, attributes: { attempt: 2 } }] })
    await storage.writeSpans([late, root, early])
    expect(await storage.getSpans(executionId(5))).toEqual([root, early, late])
  })
})
