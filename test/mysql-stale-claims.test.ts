import { describe, expect, test } from 'vitest'
import type { MySQLStorage } from '../dist/mysql.js'
import { execution, executionId, failureCase, useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()

// Times of the scenario: instances beat at `old` or `recent`; the scan cuts at `cutoff`.
const old = 1_700_000_000_000
const cutoff = old + 30_000
const recent = old + 60_000

async function beat (storage: MySQLStorage, instanceId: string, at: number): Promise<void> {
  await storage.heartbeat({ instanceId, hostname: 'h', pid: 1, startedAt: old, heartbeatAt: at })
}

describe('the scan for dead instances', () => {
  test('returns to pending the cases claimed by a silent instance, in the scan that marks its executions interrupted', async () => {
    const storage = db.storage({ tablePrefix: 'scan_' })
    await beat(storage, 'dead', old)
    await beat(storage, 'alive', recent)
    await storage.writeRecords({
      executions: [execution(1, { status: 'running', instanceId: 'dead', updatedAt: old, endedAt: undefined })],
      tasks: [],
      retries: [failureCase(2), failureCase(3), failureCase(4), failureCase(5)]
    })
    await storage.claimRetry(executionId(2), 'dead', old)
    await storage.claimRetry(executionId(3), 'alive', old)
    // claimed after the cut-off: its instance may not have written its first heartbeat yet
    await storage.claimRetry(executionId(4), 'dead', recent)
    await storage.claimRetry(executionId(5), 'gone-without-a-row', old)
    const report = await storage.interruptStale(cutoff, recent)
    expect(report).toEqual({ interrupted: [executionId(1)], released: [executionId(2), executionId(5)] })
    expect((await storage.getExecution(executionId(1)))?.status).toBe('interrupted')
    expect(await storage.getRetryRecord(executionId(1))).toMatchObject({ status: 'pending', reason: 'interrupted' })
    const statuses = await Promise.all([2, 3, 4, 5].map(async n => (await storage.getRetryRecord(executionId(n)))?.status))
    expect(statuses).toEqual(['pending', 'retrying', 'retrying', 'pending'])
    const released = await storage.getRetryRecord(executionId(2))
    expect([released?.claimedBy, released?.manualAttempts]).toEqual([undefined, 1])
    // once released, anyone may claim it: nothing stays stuck
    expect(await storage.claimRetry(executionId(2), 'alive', recent)).toBe(true)
    expect(await storage.interruptStale(cutoff, recent)).toEqual({ interrupted: [], released: [] })
  })

  test('an interrupted retry opens no case of its own: the case of the execution it retries is released instead', async () => {
    const storage = db.storage({ tablePrefix: 'retry_' })
    await beat(storage, 'dead', old)
    await storage.writeRecords({ executions: [execution(10, { status: 'failed' })], tasks: [], retries: [failureCase(10)] })
    await storage.claimRetry(executionId(10), 'dead', old)
    await storage.writeRecords({
      executions: [execution(11, { status: 'running', instanceId: 'dead', updatedAt: old, endedAt: undefined, retryOf: executionId(10) })], tasks: [], retries: []
    })
    expect(await storage.interruptStale(cutoff, recent)).toEqual({ interrupted: [executionId(11)], released: [executionId(10)] })
    expect(await storage.getRetryRecord(executionId(11))).toBeUndefined()
  })

  test('an instance marked dead that comes back: a late running update keeps the execution interrupted, and its success closes the case as recovered by itself', async () => {
    const storage = db.storage({ tablePrefix: 'zombie_' })
    await beat(storage, 'cut-off', old)
    const running = execution(20, { status: 'running', instanceId: 'cut-off', updatedAt: old, endedAt: undefined, completedTasks: 0 })
    await storage.writeRecords({ executions: [running], tasks: [], retries: [] })
    expect((await storage.interruptStale(cutoff, recent)).interrupted).toEqual([executionId(20)])
    await storage.writeRecords({ executions: [{ ...running, updatedAt: recent, completedTasks: 1 }], tasks: [], retries: [] })
    expect((await storage.getExecution(executionId(20)))?.status).toBe('interrupted')
    await storage.writeRecords({ executions: [execution(20, { instanceId: 'cut-off', updatedAt: recent + 1 })], tasks: [], retries: [] })
    expect((await storage.getExecution(executionId(20)))?.status).toBe('success')
    expect(await storage.getRetryRecord(executionId(20))).toMatchObject({ status: 'recovered', recoveredBy: executionId(20), reason: 'interrupted' })
    expect(await storage.retryStatistics()).toMatchObject({ recovered: 1, retried: 0, successRate: 0 })
  })

  test('the close of a retry whose claim expired still closes its case while nobody claimed it since', async () => {
    const storage = db.storage({ tablePrefix: 'late_' })
    await beat(storage, 'slow', old)
    await storage.writeRecords({ executions: [execution(30, { status: 'failed' })], tasks: [], retries: [failureCase(30)] })
    await storage.claimRetry(executionId(30), 'slow', old)
    expect((await storage.interruptStale(cutoff, recent)).released).toEqual([executionId(30)])
    await storage.writeRecords({
      executions: [execution(31, { retryOf: executionId(30) })],
      tasks: [],
      retries: [failureCase(30, { status: 'recovered', manualAttempts: 1, recoveredBy: executionId(31), lastExecutionId: executionId(31) })]
    })
    expect(await storage.getRetryRecord(executionId(30))).toMatchObject({ status: 'recovered', recoveredBy: executionId(31) })
  })
})
