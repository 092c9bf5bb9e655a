import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { createWorkflow } from '../dist/index.js'
import { lines, startEngine, tempDir } from './helpers/engine.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { recoverable } from '../workflows/test-subjects/recoverable.mjs'

const slow = { timeout: 30_000 }

async function failedOnce () {
  const dir = await tempDir()
  const engine = startEngine()
  await engine.publishWorkflow(recoverable)
  const failed = await engine.execute('recoverable', { dir })
  return { dir, engine, failed }
}

describe('manual retry in one process', () => {
  test('a failed execution is listed with its failure reason', slow, async () => {
    const { engine, failed } = await failedOnce()
    expect(failed.status).toBe('failed')
    const list = await engine.getFailedExecutions()
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({
      executionId: failed.executionId, workflowId: 'recoverable', status: 'pending', reason: 'failed',
      failedTaskId: 'third', errorCode: 'NO_MARKER', manualAttempts: 0, retries: []
    })
  })

  // Guarantee "resume skips succeeded tasks": removing `exec.reuseOutputs(reusable, record.lastExecutionId)`
  // in src/history/retry-manager.ts fails this test (checked).
  test('resume runs only what did not succeed and reuses the other outputs', slow, async () => {
    const { dir, engine, failed } = await failedOnce()
    await writeFile(join(dir, 'marker'), '')
    const retried = await engine.manualRetry(failed.executionId)
    expect(retried.status).toBe('success')
    expect(retried.retryOf).toBe(failed.executionId)
    expect(retried.tasks.first).toMatchObject({ status: 'success', attempts: 0, reusedFrom: failed.executionId })
    expect(retried.tasks.second.output).toEqual({ task: 'second', deps: ['first'] })
    expect(retried.tasks.fourth.output).toEqual({ task: 'fourth', deps: ['third'] })
    // first and second ran once, in the failed execution; third twice there and once now.
    expect(await lines(join(dir, 'runs.txt'))).toEqual(['first', 'second', 'third', 'third', 'third', 'fourth'])
    const [record] = await engine.getFailedExecutions({ status: 'recovered' })
    expect(record).toMatchObject({ status: 'recovered', recoveredBy: retried.executionId, manualAttempts: 1 })
    expect(record.retries.map(r => [r.executionId, r.status])).toEqual([[retried.executionId, 'success']])
  })

  test('restart runs every task again', slow, async () => {
    const { dir, engine, failed } = await failedOnce()
    await writeFile(join(dir, 'marker'), '')
    const retried = await engine.manualRetry(failed.executionId, { mode: 'restart' })
    expect(retried.status).toBe('success')
    expect(Object.values(retried.tasks).every(t => t.attempts === 1 && t.reusedFrom === undefined)).toBe(true)
  })

  test('a retry that fails again reopens the case, and the next resume starts from it', slow, async () => {
    const { dir, engine, failed } = await failedOnce()
    const again = await engine.manualRetry(failed.executionId)
    expect(again.status).toBe('failed')
    const [pending] = await engine.getFailedExecutions()
    expect(pending).toMatchObject({ executionId: failed.executionId, status: 'pending', lastExecutionId: again.executionId, manualAttempts: 1 })
    await writeFile(join(dir, 'marker'), '')
    // Retrying the retry's id works on the same case.
    const done = await engine.manualRetry(again.executionId)
    expect(done.status).toBe('success')
    expect(done.tasks.first.reusedFrom).toBe(failed.executionId)
    expect(await engine.getRetryStatistics()).toMatchObject({ totalFailed: 1, recovered: 1, pending: 0, manualAttempts: 2, retried: 1, successRate: 1 })
  })

  test('an abandoned case cannot be retried and is counted', slow, async () => {
    const { engine, failed } = await failedOnce()
    const record = await engine.abandonRetry(failed.executionId, 'not worth it')
    expect(record).toMatchObject({ status: 'abandoned', abandonedReason: 'not worth it' })
    await expect(engine.manualRetry(failed.executionId)).rejects.toMatchObject({ code: 'RETRY_NOT_ALLOWED' })
    await expect(engine.abandonRetry(failed.executionId)).rejects.toMatchObject({ code: 'RETRY_NOT_ALLOWED' })
    expect(await engine.getRetryStatistics()).toMatchObject({ totalFailed: 1, abandoned: 1, pending: 0, successRate: 0 })
  })

  test('retries of unknown, successful and recovered executions are refused with typed errors', slow, async () => {
    const { dir, engine, failed } = await failedOnce()
    await expect(engine.manualRetry('01ZZZZZZZZZZZZZZZZZZZZZZZZ')).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' })
    await writeFile(join(dir, 'marker'), '')
    const ok = await engine.execute('recoverable', { dir })
    await expect(engine.manualRetry(ok.executionId)).rejects.toMatchObject({ code: 'RETRY_NOT_ALLOWED' })
    await engine.manualRetry(failed.executionId)
    await expect(engine.manualRetry(failed.executionId)).rejects.toMatchObject({ code: 'RETRY_NOT_ALLOWED' })
  })

  test('a retry needs the workflow published, with the same definition unless allowed', slow, async () => {
    const { engine, failed } = await failedOnce()
    const changed = createWorkflow('recoverable').setVersion('2').addTask('only', { handler: new URL('../workflows/test-subjects/step.mjs', import.meta.url) }).build()
    await engine.publishWorkflow(changed, { replace: true })
    await expect(engine.manualRetry(failed.executionId)).rejects.toMatchObject({ code: 'DEFINITION_CHANGED' })
    expect((await engine.getFailedExecutions())[0].status).toBe('pending')
    const allowed = await engine.manualRetry(failed.executionId, { allowDefinitionChange: true })
    expect(allowed.status).toBe('success')
    expect(Object.keys(allowed.tasks)).toEqual(['only'])
  })

  test('a retry of a workflow not published here names the workflow', slow, async () => {
    const { engine, failed } = await failedOnce()
    engine.deleteWorkflow('recoverable')
    await expect(engine.manualRetry(failed.executionId)).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND', message: expect.stringContaining('"recoverable"')
    })
    expect((await engine.getFailedExecutions())[0]).toMatchObject({ status: 'pending', manualAttempts: 0 })
  })

  test('statistics are zeros before anything failed', async () => {
    const engine = startEngine()
    expect(await engine.getRetryStatistics()).toEqual({
      totalFailed: 0, pending: 0, retrying: 0, recovered: 0, abandoned: 0, interrupted: 0, manualAttempts: 0, retried: 0, successRate: 0
    })
  })

  test('retry events tell the story of a recovery', slow, async () => {
    const { dir, engine, failed } = await failedOnce()
    const seen: string[] = []
    engine.on('retry.started', e => { seen.push(`started ${e.retryOf === failed.executionId}`) })
    engine.on('retry.failed', () => { seen.push('failed') })
    const succeeded = new Promise<void>(resolve => engine.on('retry.succeeded', () => { seen.push('succeeded'); resolve() }))
    await engine.manualRetry(failed.executionId)
    await writeFile(join(dir, 'marker'), '')
    await engine.manualRetry(failed.executionId)
    await succeeded
    expect(seen).toEqual(['started true', 'failed', 'started true', 'succeeded'])
  })
})
