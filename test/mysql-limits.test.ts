import v8 from 'node:v8'
import { beforeEach, describe, expect, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { createWorkflow, ErrorCodes, StorageError } from '../dist/index.js'
import { type MySQLStorage } from '../dist/mysql.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'
import { execution, executionId, span, task, useTestDatabase } from './helpers/mysql.js'
import { rejectionOf } from './helpers/capture.js'

const db = useTestDatabase()
let storage: MySQLStorage
let packet: number
// Made before the first test, so that a missing server fails each test (see useTestDatabase).
let ready: Promise<void> | undefined
beforeEach(async () => {
  ready ??= (async () => {
    storage = db.storage()
    await storage.init()
    packet = storage.maxAllowedPacket
  })()
  await ready
  // These tests build values larger than the server's limit; past 256 MiB that is too much memory for a test.
  expect(packet, `the server's max_allowed_packet (${packet}) is too large to exceed in a test`).toBeLessThanOrEqual(256 * 1024 * 1024)
})

function same (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

async function rejection (write: Promise<void>): Promise<StorageError & { rejected: Array<{ index: number, code: string }> }> {
  return await rejectionOf(write, StorageError) as StorageError & { rejected: Array<{ index: number, code: string }> }
}

describe('MySQLStorage and max_allowed_packet', () => {
  test('a batch larger than max_allowed_packet is split into several statements and written whole', async () => {
    await storage.writeExecutions([execution(1)])
    const big = 'x'.repeat(1024 * 1024)
    const count = Math.ceil((packet * 2.5) / big.length)
    const spans = Array.from({ length: count }, (_, i) => span(1, i, { attributes: { big } }))
    await storage.writeSpans(spans)
    expect(await storage.getSpans(executionId(1))).toEqual(spans)
  })

  // Tens of MB through the writer thread and back: a minute on a busy 2-core machine.
  test('an input and an output larger than max_allowed_packet are stored in parts with their rows and read back exactly', { timeout: 60_000 }, async () => {
    const input = new Uint8Array(packet + 12_345).map((_, i) => i % 251)
    const output = new Uint8Array(Math.floor(packet * 2.5)).map((_, i) => (i * 7) % 253)
    const big = execution(3, { input })
    // execution 5 is the cursor below: written here, so that the test does not lean on another's rows
    await storage.writeRecords({ executions: [execution(2), big, execution(4), execution(5)], tasks: [task(3, 'a', { output }), task(3, 'b')], retries: [] })
    const back = await storage.getExecution(executionId(3))
    // compared as Buffers: a failed toEqual on 40 MB would print a diff too large for the test's memory
    expect(same(back!.input, input)).toBe(true)
    expect({ ...back, input: undefined }).toEqual({ ...big, input: undefined })
    const tasks = await storage.getTaskResults(executionId(3))
    expect(tasks.map(t => t.taskId)).toEqual(['a', 'b'])
    expect(same(tasks[0].output!, output)).toBe(true)
    expect(tasks[1]).toEqual(task(3, 'b'))
    // after the id of 5: other tests of this file write newer executions too
    expect((await storage.listExecutions({ after: executionId(5), limit: 3 })).map(e => e.input.byteLength)).toEqual([execution(4).input.byteLength, input.byteLength, execution(2).input.byteLength])
    const [{ parts }] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS parts FROM gt_blobs WHERE execution_id = ?', [executionId(3)])
    expect(parts).toBeGreaterThan(3)
  })

  test('a value the server refuses (too long for its column) fails only its record', async () => {
    const err = await rejection(storage.writeExecutions([execution(5), execution(6, { workflowId: 'w'.repeat(200) }), execution(7)]))
    expect(err.code).toBe(ErrorCodes.STORAGE_ERROR)
    expect(err.rejected).toMatchObject([{ index: 1 }])
    expect(err.message).toMatch(/Data too long for column .workflow_id./)
    expect(await storage.getExecution(executionId(5))).toEqual(execution(5))
    expect(await storage.getExecution(executionId(6))).toBeUndefined()
    expect(await storage.getExecution(executionId(7))).toEqual(execution(7))
  })

  test('an execution whose input exceeds max_allowed_packet keeps its row, its tasks and its case, and can be resumed', async () => {
    const engine = startEngine({ storage: db.storage({ tablePrefix: 'e2e_' }) })
    await engine.publishWorkflow(createWorkflow('tiny')
      .addTask('a', { handler: sharedHandler('echo') })
      .addTask('b', { handler: subject('fail.mjs'), dependsOn: ['a'], input: { code: 'E_ONCE' }, retry: { maxAutoRetries: 0 } })
      .build())
    const big = new Uint8Array(packet + 1024).fill(7)
    const failed = await engine.execute('tiny', big)
    expect(failed.status).toBe('failed')
    await engine.flush()
    expect(engine.stats().tracer).toMatchObject({ rejected: 0, lost: 0 })
    const reader = db.storage({ tablePrefix: 'e2e_' })
    const stored = await reader.getExecution(failed.executionId)
    expect(stored?.status).toBe('failed')
    expect(same(v8.deserialize(stored!.input) as Uint8Array, big)).toBe(true)
    expect((await reader.getTaskResults(failed.executionId)).map(t => t.status).sort()).toEqual(['failed', 'success'])
    expect(await reader.getRetryRecord(failed.executionId)).toMatchObject({ status: 'pending', errorCode: 'E_ONCE' })
    // the case finds its execution and its large input: the retry runs
    const retried = await engine.manualRetry(failed.executionId)
    expect(retried.retryOf).toBe(failed.executionId)
    expect(retried.tasks.a).toMatchObject({ status: 'success', reusedFrom: failed.executionId })
  })
})
