import { Writable } from 'node:stream'
import pino from 'pino'
import { beforeEach, describe, expect, test } from 'vitest'
import { createWorkflow, ErrorCodes, StorageError, type MySQLStorage } from '../dist/index.js'
import { sharedHandler, startEngine } from './helpers/engine.js'
import { execution, executionId, span, useTestDatabase } from './helpers/mysql.js'

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

async function rejection (write: Promise<void>): Promise<StorageError & { rejected: Array<{ index: number, code: string }> }> {
  const err = await write.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(StorageError)
  return err as StorageError & { rejected: Array<{ index: number, code: string }> }
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

  test('a record larger than max_allowed_packet fails alone with RECORD_TOO_LARGE and the rest of its batch is written', async () => {
    const huge = execution(3, { input: new Uint8Array(packet) })
    const err = await rejection(storage.writeExecutions([execution(2), huge, execution(4)]))
    expect(err.code).toBe(ErrorCodes.RECORD_TOO_LARGE)
    expect(err.rejected).toMatchObject([{ index: 1, code: ErrorCodes.RECORD_TOO_LARGE }])
    expect(err.message).toMatch(/max_allowed_packet/)
    expect(await storage.getExecution(executionId(2))).toEqual(execution(2))
    expect(await storage.getExecution(executionId(4))).toEqual(execution(4))
    expect(await storage.getExecution(executionId(3))).toBeUndefined()
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

  test('an execution whose input exceeds max_allowed_packet is dropped and reported, and the engine goes on', async () => {
    const lines: Array<{ msg: string, id?: string, code?: string }> = []
    const logger = pino({ level: 'error' }, new Writable({ write (chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done() } }))
    const engine = startEngine({ storage: db.storage({ tablePrefix: 'e2e_' }), logger })
    await engine.publishWorkflow(createWorkflow('tiny').addTask('a', { handler: sharedHandler('noop') }).build())
    const big = await engine.execute('tiny', new Uint8Array(packet))
    const after = await Promise.all([engine.execute('tiny', 'small'), engine.execute('tiny', 'small')])
    expect([big.status, ...after.map(r => r.status)]).toEqual(['success', 'success', 'success'])
    await engine.close()

    expect(engine.stats().tracer.lost).toBeGreaterThanOrEqual(1)
    expect(lines.filter(l => l.id === big.executionId).map(l => l.code)).toContain(ErrorCodes.RECORD_TOO_LARGE)
    const reader = db.storage({ tablePrefix: 'e2e_' })
    expect(await reader.getExecution(big.executionId)).toBeUndefined()
    // its task rows, logs and spans are small, and written
    expect((await reader.getTaskResults(big.executionId)).map(t => t.status)).toEqual(['success'])
    expect(await reader.getSpans(big.executionId)).toHaveLength(2)
    for (const r of after) expect((await reader.getExecution(r.executionId))?.status).toBe('success')
  })
})
