import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { createWorkflow } from '../dist/index.js'
import { lines, startEngine, subject, tempDir } from './helpers/engine.js'

const slow = { timeout: 30_000 }

describe('automatic retry', () => {
  // Guarantee "per-task retry": removing the settler's decision to retry a failed attempt
  // fails this file.
  test('a flaky task is retried until it succeeds, one retrying event per failed attempt', slow, async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('flaky')
      .addTask('flaky', { handler: subject('flaky.mjs'), input: { succeedOn: 3 } })
      .build())
    const retrying: Array<{ attempt: number, code: string }> = []
    engine.on('task.retrying', e => { retrying.push({ attempt: e.attempt, code: e.error.code }) })
    const result = await engine.execute('flaky')
    expect(result.status).toBe('success')
    expect(result.tasks.flaky).toMatchObject({ status: 'success', attempts: 3, output: { attempt: 3 } })
    await expect.poll(() => retrying.length).toBe(2)
    expect(retrying).toEqual([{ attempt: 1, code: 'TASK_FAILED' }, { attempt: 2, code: 'TASK_FAILED' }])
  })

  test('retry delays grow by the multiplier up to maxRetryDelay', slow, async () => {
    const engine = startEngine({ retry: { maxAutoRetries: 4, retryDelay: 5, backoffMultiplier: 2, maxRetryDelay: 20, jitter: 0 } })
    await engine.publishWorkflow(createWorkflow('backoff')
      .addTask('flaky', { handler: subject('flaky.mjs'), input: { succeedOn: 5 } })
      .build())
    const delays: number[] = []
    engine.on('task.retrying', e => { delays.push(e.delay) })
    const result = await engine.execute('backoff')
    expect(result.tasks.flaky).toMatchObject({ status: 'success', attempts: 5 })
    await expect.poll(() => delays.length).toBe(4)
    expect(delays).toEqual([5, 10, 20, 20])
  })

  test('jitter scales each delay by a factor within [1 - jitter, 1]', slow, async () => {
    const policy = { maxAutoRetries: 5, retryDelay: 4, backoffMultiplier: 3, maxRetryDelay: 50, jitter: 0.5 }
    const engine = startEngine({ retry: policy })
    await engine.publishWorkflow(createWorkflow('jitter')
      .addTask('flaky', { handler: subject('flaky.mjs'), input: { succeedOn: 6 } })
      .build())
    const events: Array<{ attempt: number, delay: number }> = []
    engine.on('task.retrying', e => { events.push({ attempt: e.attempt, delay: e.delay }) })
    await engine.execute('jitter')
    await expect.poll(() => events.length).toBe(5)
    expect(events.map(e => e.attempt)).toEqual([1, 2, 3, 4, 5])
    for (const { attempt, delay } of events) {
      const base = Math.min(policy.maxRetryDelay, policy.retryDelay * policy.backoffMultiplier ** (attempt - 1))
      expect(delay).toBeGreaterThanOrEqual(base * (1 - policy.jitter))
      expect(delay).toBeLessThanOrEqual(base)
    }
  })

  test('tasks that succeeded never run again while another task retries', slow, async () => {
    const file = join(await tempDir(), 'runs.txt')
    // batchTargetMs 50: from the second run on, first and flaky travel in one message
    const engine = startEngine({ batchTargetMs: 50 })
    //   first ─ flaky ─ last      side (independent)
    await engine.publishWorkflow(createWorkflow('once')
      .addTask('first', { handler: subject('counter.mjs'), input: { file } })
      .addTask('flaky', { handler: subject('flaky.mjs'), dependsOn: ['first'], input: { succeedOn: 4 } })
      .addTask('last', { handler: subject('counter.mjs'), dependsOn: ['flaky'], input: { file } })
      .addTask('side', { handler: subject('counter.mjs'), input: { file } })
      .build())
    for (let run = 1; run <= 3; run++) {
      const result = await engine.execute('once')
      expect(result.status).toBe('success')
      expect(result.tasks.flaky.attempts).toBe(4)
      expect(result.tasks.first.attempts).toBe(1)
      const counts = { first: 0, last: 0, side: 0 }
      for (const line of await lines(file)) counts[line.split(' ')[0] as keyof typeof counts]++
      expect({ run, counts }).toEqual({ run, counts: { first: run, last: run, side: run } })
    }
  })

  test('a NON_RETRYABLE error fails the task at once', slow, async () => {
    const engine = startEngine({ retry: { maxAutoRetries: 5 } })
    await engine.publishWorkflow(createWorkflow('nonretryable')
      .addTask('error', { handler: subject('nonretryable.mjs') })
      .addTask('plain', { handler: subject('nonretryable.mjs#plain') })
      .build())
    let retries = 0
    engine.on('task.retrying', () => { retries++ })
    const result = await engine.execute('nonretryable')
    expect(result.status).toBe('failed')
    expect(result.tasks.error).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'NON_RETRYABLE', message: 'this failure must not be retried' } })
    expect(result.tasks.plain).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'NON_RETRYABLE', message: 'plain object thrown, must not be retried' } })
    expect(retries).toBe(0)
  })

  test('a task retry policy overrides the engine defaults', slow, async () => {
    const engine = startEngine({ retry: { maxAutoRetries: 3 } })
    await engine.publishWorkflow(createWorkflow('override')
      .addTask('default', { handler: subject('fail.mjs') })
      .addTask('once', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 1 } })
      .addTask('never', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 0 } })
      .addTask('patient', { handler: subject('flaky.mjs'), input: { succeedOn: 6 }, retry: { maxAutoRetries: 5, retryDelay: 1 } })
      .build())
    const result = await engine.execute('override')
    expect(result.tasks.default).toMatchObject({ status: 'failed', attempts: 4 })
    expect(result.tasks.once).toMatchObject({ status: 'failed', attempts: 2 })
    expect(result.tasks.never).toMatchObject({ status: 'failed', attempts: 1 })
    expect(result.tasks.patient).toMatchObject({ status: 'success', attempts: 6 })
  })

  test('a failed task fails the execution, skips its dependents and lets other branches finish', slow, async () => {
    const engine = startEngine()
    //   bad ─ child ─ grandchild        slow ─ after-slow
    //          └─────────┴─ joint ─┘ (joint also needs after-slow)
    // `slow` waits at its gate until `bad` has failed for good, whatever the machine's speed.
    const dir = await tempDir()
    engine.on('task.failed', e => { if (e.taskId === 'bad') writeFileSync(join(dir, 'marker'), '') })
    await engine.publishWorkflow(createWorkflow('branches')
      .addTask('bad', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 1 } })
      .addTask('child', { handler: subject('record.mjs'), dependsOn: ['bad'] })
      .addTask('grandchild', { handler: subject('record.mjs'), dependsOn: ['child'] })
      .addTask('slow', { handler: subject('step.mjs'), input: { gate: 'wait' } })
      .addTask('after-slow', { handler: subject('record.mjs'), dependsOn: ['slow'] })
      .addTask('joint', { handler: subject('record.mjs'), dependsOn: ['grandchild', 'after-slow'] })
      .build())
    const result = await engine.execute('branches', { dir })
    expect(result.status).toBe('failed')
    expect(result.error).toMatchObject({ code: 'TEST_FAILURE', taskId: 'bad' })
    expect(result.tasks.bad).toMatchObject({ status: 'failed', attempts: 2 })
    for (const id of ['child', 'grandchild', 'joint']) {
      expect(result.tasks[id]).toMatchObject({ status: 'skipped', attempts: 0, error: { code: 'DEPENDENCY_FAILED' } })
    }
    expect(result.tasks.slow.status).toBe('success')
    expect(result.tasks['after-slow'].status).toBe('success')
    expect(result.tasks['after-slow'].startedAt).toBeGreaterThan(result.tasks.bad.endedAt!)
  })
})
