import { describe, expect, test } from 'vitest'
import { createWorkflow } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'

describe('retry.nonRetryable', () => {
  test('a TypeError in a handler fails the task after one attempt, with no retry', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('bug').addTask('bug', { handler: subject('programming-error.mjs') }).build())
    const retrying: number[] = []
    engine.on('task.retrying', e => { retrying.push(e.attempt) })
    const result = await engine.execute('bug')
    expect(result.status).toBe('failed')
    expect(result.tasks.bug).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'TypeError', retryable: false } })
    expect(retrying).toEqual([])
  })

  test('a ReferenceError fails at once too', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('ref').addTask('ref', { handler: subject('programming-error.mjs#reference') }).build())
    const result = await engine.execute('ref')
    expect(result.tasks.ref).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'ReferenceError' } })
  })

  test('a task that gives nonRetryable: [] has its TypeError retried', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('retried')
      .addTask('bug', { handler: subject('programming-error.mjs'), retry: { maxAutoRetries: 2, nonRetryable: [] } })
      .build())
    const result = await engine.execute('retried')
    expect(result.tasks.bug).toMatchObject({ status: 'failed', attempts: 3, error: { name: 'TypeError' } })
    expect(result.tasks.bug.error?.retryable).toBeUndefined()
  })

  test('the engine option replaces the default list for every task, and matches codes too', async () => {
    const engine = startEngine({ retry: { maxAutoRetries: 2, nonRetryable: ['E_QUOTA'] } })
    await engine.publishWorkflow(createWorkflow('codes')
      .addTask('coded', { handler: subject('programming-error.mjs#coded') })
      .addTask('bug', { handler: subject('programming-error.mjs') })
      .build())
    const result = await engine.execute('codes')
    expect(result.tasks.coded).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'E_QUOTA', retryable: false } })
    // TypeError is no longer in the list: retried like any other error.
    expect(result.tasks.bug).toMatchObject({ status: 'failed', attempts: 3 })
  })

  test('an ordinary Error is still retried under the default list', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('flaky')
      .addTask('flaky', { handler: subject('flaky.mjs'), input: { succeedOn: 2 } })
      .build())
    const result = await engine.execute('flaky')
    expect(result.tasks.flaky).toMatchObject({ status: 'success', attempts: 2 })
  })
})
