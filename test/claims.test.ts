import { describe, expect, test } from 'vitest'
import { MemoryStorage } from '../dist/index.js'
import { type MySQLStorage } from '../dist/mysql.js'
import { executionId, failureCase, useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()


const storages: Array<[string, () => MemoryStorage | MySQLStorage]> = [
  ['MemoryStorage', () => new MemoryStorage()],
  ['MySQLStorage', () => db.storage()]
]

describe.each(storages)('claims on %s', (_name, make) => {
  // Guarantee "atomic claim": dropping `AND status = 'pending'` from the claim's UPDATE in
  // src/storage/mysql/retry.ts lets several claims win, and this test fails on MySQL (checked).
  test('of 16 claims of one case made at once, exactly one wins, and the case counts one attempt', async () => {
    const storage = make()
    await storage.writeRetryRecords([failureCase(1)])
    const won = await Promise.all(Array.from({ length: 16 }, (_, i) => storage.claimRetry(executionId(1), `instance-${i}`, 1_700_000_000_001)))
    expect(won.filter(w => w)).toHaveLength(1)
    expect(await storage.getRetryRecord(executionId(1))).toMatchObject({
      status: 'retrying', claimedBy: `instance-${won.indexOf(true)}`, manualAttempts: 1
    })
  })

  test('of 16 abandons of one case made at once, exactly one wins', async () => {
    const storage = make()
    await storage.writeRetryRecords([failureCase(2)])
    const won = await Promise.all(Array.from({ length: 16 }, () => storage.abandonRetry(executionId(2), 'no', 1_700_000_000_001)))
    expect(won.filter(w => w)).toHaveLength(1)
  })

  test('a case write fenced by an older claim changes nothing; one that carries the current claim applies', async () => {
    const storage = make()
    await storage.writeRetryRecords([failureCase(3)])
    expect(await storage.claimRetry(executionId(3), 'a', 1_700_000_000_001)).toBe(true)
    // the failure write sent again (a lost reply) would reopen the claimed case
    await storage.writeRetryRecords([failureCase(3, { errorMessage: 'late' })])
    expect(await storage.getRetryRecord(executionId(3))).toMatchObject({ status: 'retrying', claimedBy: 'a', errorMessage: 'boom' })
    // the claim expired and another instance claimed: the first one's close is fenced out
    await storage.writeRetryRecords([failureCase(3, { status: 'pending', manualAttempts: 1 })])
    expect(await storage.claimRetry(executionId(3), 'b', 1_700_000_000_002)).toBe(true)
    await storage.writeRetryRecords([failureCase(3, { status: 'recovered', manualAttempts: 1, recoveredBy: executionId(30) })])
    expect(await storage.getRetryRecord(executionId(3))).toMatchObject({ status: 'retrying', claimedBy: 'b', manualAttempts: 2 })
    await storage.writeRetryRecords([failureCase(3, { status: 'recovered', manualAttempts: 2, recoveredBy: executionId(31) })])
    expect(await storage.getRetryRecord(executionId(3))).toMatchObject({ status: 'recovered', manualAttempts: 2, recoveredBy: executionId(31) })
  })

  test('a closed case (recovered or abandoned) is never reopened by a late write', async () => {
    const storage = make()
    await storage.writeRetryRecords([failureCase(4), failureCase(5)])
    expect(await storage.abandonRetry(executionId(4), 'no', 1_700_000_000_001)).toBe(true)
    await storage.claimRetry(executionId(5), 'a', 1_700_000_000_001)
    await storage.writeRetryRecords([failureCase(5, { status: 'recovered', manualAttempts: 1 })])
    await storage.writeRetryRecords([failureCase(4), failureCase(5), failureCase(5, { manualAttempts: 1 })])
    expect((await storage.getRetryRecord(executionId(4)))?.status).toBe('abandoned')
    expect((await storage.getRetryRecord(executionId(5)))?.status).toBe('recovered')
  })
})
