import { describe, expect, test } from 'vitest'
import { createWorkflow, type Engine, type ExecutionResult } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'

const slow = { timeout: 30_000 }

function started (engine: Engine): Promise<void> {
  return new Promise(resolve => engine.on('task.started', () => resolve()))
}

/** Starts an execution whose only task never settles; resolves once it runs (with its result, still pending). */
async function stuck (engine: Engine): Promise<{ result: Promise<ExecutionResult> }> {
  await engine.publishWorkflow(createWorkflow('stuck').addTask('wait', { handler: subject('never-settles.mjs') }).build())
  const running = started(engine)
  const result = engine.execute('stuck')
  await running
  return { result }
}

describe('close() is bounded', () => {
  test('close() returns when a handler never settles, and the execution ends cancelled at closeTimeout', slow, async () => {
    const engine = startEngine({ closeTimeout: 200 })
    const { result } = await stuck(engine)
    await engine.close()
    const ended = await result
    expect(ended.status).toBe('cancelled')
    expect(ended.error?.message).toContain('closeTimeout')
    expect(ended.tasks.wait.status).toBe('cancelled')
  })

  test('a second close({ cancel: true }) cancels what a first close() is waiting for', slow, async () => {
    // closeTimeout far beyond the test's own timeout: only the escalation can end this close().
    const engine = startEngine({ closeTimeout: 600_000 })
    const { result } = await stuck(engine)
    const first = engine.close()
    const second = engine.close({ cancel: true })
    await Promise.all([first, second])
    const ended = await result
    expect(ended.status).toBe('cancelled')
    expect(ended.error?.message).toContain('close({ cancel: true })')
  })
})
