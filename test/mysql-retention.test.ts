import { describe, expect, test } from 'vitest'
import type { StoredExecution } from '../dist/storage.js'
import type { MySQLStorage } from '../dist/mysql.js'
import type { RetryRecord } from '../dist/index.js'
import { execution, executionId, failureCase, serialized, task, useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()
const kDay = 86_400_000
// Forty days ago: past a retention of thirty.
const kOld = Date.now() - 40 * kDay

function old (n: number, fields: Partial<StoredExecution> = {}): StoredExecution {
  const at = kOld + n
  return execution(n, { startedAt: at, updatedAt: at + 1, endedAt: at + 1, ...fields })
}

/** Executions with two task rows each, and failure cases, written as the recorder writes them. */
async function write (storage: MySQLStorage, executions: StoredExecution[], cases: RetryRecord[] = []): Promise<void> {
  const n = (e: StoredExecution): number => Number(e.executionId.slice(4))
  const tasks = executions.flatMap(e => [task(n(e), 'a'), task(n(e), 'b')])
  await storage.writeRecords({ executions, tasks, retries: cases })
}

async function ids (prefix: string): Promise<string[]> {
  return (await db.query<Array<{ id: string }>>(`SELECT id FROM ${prefix}executions ORDER BY id`)).map(r => r.id)
}

describe('retention of executions in MySQL', () => {
  test('a purge removes the finished executions older than the cut with their task rows and values, and nothing newer', async () => {
    const storage = db.storage({ tablePrefix: 'r1_', maxValueBytes: 1 << 30 })
    // A large input is stored in parts (the blobs table): it must go with its execution.
    await write(storage, [old(1, { input: serialized('x'.repeat(20 << 20)) }), old(2), execution(3)])
    const result = await storage.purge({ olderThan: '30d' })
    expect(result).toMatchObject({ ran: true, dryRun: false, removed: { executions: 2, taskResults: 4, retryRecords: 0 } })
    expect(result.removed.blobs).toBeGreaterThan(0)
    expect(await ids('r1_')).toEqual([executionId(3)])
    expect(await storage.getTaskResults(executionId(3))).toHaveLength(2)
    expect(await db.query('SELECT execution_id FROM r1_blobs')).toEqual([])
    expect(await storage.checkIntegrity()).toEqual({ terminalWithoutTasks: [], tasksWithoutExecution: [], casesWithoutExecution: [] })
  })

  test('open failure cases keep their execution and latest attempt whatever their age; a closed case goes with its execution', async () => {
    const storage = db.storage({ tablePrefix: 'r2_' })
    const failed = { status: 'failed' as const }
    await write(storage, [old(1, failed), old(2, { ...failed, retryOf: executionId(1) }), old(3, failed), old(4, failed), old(5, failed)], [
      failureCase(1, { lastExecutionId: executionId(2), manualAttempts: 1, failedAt: kOld, updatedAt: kOld }),
      failureCase(3, { status: 'retrying', claimedBy: 'host:1:x', claimedAt: kOld, failedAt: kOld, updatedAt: kOld }),
      failureCase(4, { status: 'abandoned', abandonedReason: 'not worth it', failedAt: kOld, updatedAt: kOld })
    ])
    const result = await storage.purge({ olderThan: '30d' })
    expect(result.removed).toMatchObject({ executions: 2, taskResults: 4, retryRecords: 1 })
    expect(await ids('r2_')).toEqual([executionId(1), executionId(2), executionId(3)])
    expect((await storage.getRetryRecord(executionId(1)))?.status).toBe('pending')
    expect((await storage.getRetryRecord(executionId(3)))?.status).toBe('retrying')
    expect(await storage.getRetryRecord(executionId(4))).toBeUndefined()
    expect(await storage.getTaskResults(executionId(2))).toHaveLength(2)
    expect(await storage.checkIntegrity()).toEqual({ terminalWithoutTasks: [], tasksWithoutExecution: [], casesWithoutExecution: [] })
  })

  // Without #purgeCache in Maintenance.purge, the old entries (and the parts of the
  // large one) stay: the counts and the rows left below are wrong.
  test('cached results made before the cut go with the history, their parts too; a dry run counts them', async () => {
    const storage = db.storage({ tablePrefix: 'rc_' })
    const entry = (key: string, createdAt: number, size: number) => ({
      key: key.repeat(64), bytes: new Uint8Array(size).fill(1), digest: null, workflowId: 'w', taskId: 't', createdAt, expiresAt: 0
    })
    await storage.putCachedResults([entry('a', kOld, 10), entry('b', kOld, 300_000), entry('c', Date.now(), 10)])
    expect((await storage.purge({ olderThan: '30d', dryRun: true })).removed.cachedResults).toBe(2)
    expect((await storage.cacheStats()).entries).toBe(3)
    expect((await storage.purge({ olderThan: '30d' })).removed.cachedResults).toBe(2)
    expect(await db.query('SELECT cache_key FROM rc_result_cache')).toEqual([{ cache_key: 'c'.repeat(64) }])
    expect(await db.query('SELECT cache_key FROM rc_result_cache_parts')).toEqual([])
  })

  test('an execution still running is kept whatever its age', async () => {
    const storage = db.storage({ tablePrefix: 'r3_' })
    await write(storage, [old(1, { status: 'running', endedAt: undefined }), old(2)])
    expect((await storage.purge({ olderThan: '30d' })).removed.executions).toBe(1)
    expect(await ids('r3_')).toEqual([executionId(1)])
  })

  test('an execution that changed after the cut is kept, even when it started before', async () => {
    const storage = db.storage({ tablePrefix: 'r4_' })
    await write(storage, [old(1, { updatedAt: Date.now(), endedAt: Date.now() }), old(2)])
    await storage.purge({ olderThan: '30d' })
    expect(await ids('r4_')).toEqual([executionId(1)])
  })

  test('a dry run counts what a purge would remove and changes nothing', async () => {
    const storage = db.storage({ tablePrefix: 'r5_' })
    await write(storage, [old(1), old(2, { status: 'failed' }), execution(3)], [failureCase(2, { status: 'recovered', failedAt: kOld, updatedAt: kOld })])
    const result = await storage.purge({ before: Date.now() - 30 * kDay, dryRun: true })
    expect(result).toMatchObject({ ran: true, dryRun: true, removed: { executions: 2, taskResults: 4, blobs: 0, retryRecords: 1 } })
    expect(await ids('r5_')).toEqual([executionId(1), executionId(2), executionId(3)])
    expect(await storage.getRetryRecord(executionId(2))).toBeDefined()
  })

  test('with the retention option, old executions are removed in the background without a call', async () => {
    const storage = db.storage({ tablePrefix: 'r6_', retention: { executions: '30d', interval: '50ms' } })
    await write(storage, [old(1), execution(2)])
    await expect.poll(() => ids('r6_'), { timeout: 15_000 }).toEqual([executionId(2)])
    expect(storage.lastRetentionRun?.error).toBeUndefined()
  })

  test('purge() refuses a call without exactly one cut, an unknown key and a malformed age, with typed errors', async () => {
    const storage = db.storage({ tablePrefix: 'r7_' })
    await expect(storage.purge({})).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/exactly one of olderThan/) })
    await expect(storage.purge({ olderThan: '7d', before: 1 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await expect(storage.purge({ olderThen: '7d' } as never)).rejects.toThrow("unknown option 'olderThen' in purge(); did you mean 'olderThan'?")
    await expect(storage.purge({ olderThan: '7 days' })).rejects.toThrow(/olderThan must be a positive duration.*"7 days"/)
  })
})
