import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test, vi } from 'vitest'
import { lines, startEngine, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { stalled } from '../workflows/test-subjects/recoverable.mjs'

const db = useTestDatabase()
const slow = { timeout: 30_000 }

describe('a cancelled execution opens a failure case and can be resumed like a failed one', () => {
  test("cancelled by the caller's signal: listed with reason cancelled, and a resume reuses what succeeded", slow, async () => {
    const dir = await tempDir()
    const engine = startEngine()
    await engine.publishWorkflow(stalled)
    const controller = new AbortController()
    const running = engine.execute('stalled', { dir }, { signal: controller.signal })
    await vi.waitFor(async () => { expect(await lines(join(dir, 'runs.txt'))).toContain('third') }, { timeout: 10_000 })
    controller.abort()
    const cancelled = await running
    expect(cancelled.status).toBe('cancelled')
    const [record] = await engine.getFailedExecutions()
    expect(record).toMatchObject({ executionId: cancelled.executionId, status: 'pending', reason: 'cancelled', errorCode: 'CANCELLED' })
    await writeFile(join(dir, 'marker'), '')
    const resumed = await engine.manualRetry(cancelled.executionId)
    expect(resumed).toMatchObject({ status: 'success', retryOf: cancelled.executionId })
    expect(resumed.tasks.first.reusedFrom).toBe(cancelled.executionId)
    expect((await lines(join(dir, 'runs.txt'))).filter(t => t === 'first')).toHaveLength(1)
  })

  test('stopped by close({ cancel: true }) on MySQL: another instance finds the case and resumes it', slow, async () => {
    const dir = await tempDir()
    const first = startEngine({ storage: db.storage() })
    await first.publishWorkflow(stalled)
    const id = await first.executeAsync('stalled', { dir })
    await vi.waitFor(async () => { expect(await lines(join(dir, 'runs.txt'))).toContain('third') }, { timeout: 10_000 })
    await first.close({ cancel: true })
    const second = startEngine({ storage: db.storage() })
    await second.publishWorkflow(stalled)
    const [record] = await second.getFailedExecutions()
    expect(record).toMatchObject({ executionId: id, status: 'pending', reason: 'cancelled' })
    await writeFile(join(dir, 'marker'), '')
    const resumed = await second.manualRetry(id)
    expect(resumed).toMatchObject({ status: 'success', retryOf: id })
    expect(resumed.tasks.second.reusedFrom).toBe(id)
  })
})
