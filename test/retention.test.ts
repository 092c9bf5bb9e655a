import { describe, expect, onTestFinished, test, vi } from 'vitest'
import { createWorkflow, MemoryStorage, NotFoundError, type ExecutionResult } from '../dist/index.js'
import { sharedHandler, startEngine } from './helpers/engine.js'

const slow = { timeout: 30_000 }

/** Moves Date.now() (the clock retention reads) forward; timers and the engine's span clock are left alone. */
function advanceWallClock (ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'] })
  onTestFinished(() => { vi.useRealTimers() })
  vi.setSystemTime(Date.now() + ms)
}

describe('retention of finished executions', () => {
  test('the engine keeps the latest finished executions in memory and falls back to storage', slow, async () => {
    const storage = new MemoryStorage({ maxExecutions: 10 })
    const engine = startEngine({ retainExecutions: 5, storage })
    await engine.publishWorkflow(createWorkflow('w')
      .addTask('a', { handler: sharedHandler('echo'), input: 'a' })
      .build())
    const results: ExecutionResult[] = []
    for (let i = 0; i < 30; i++) results.push(await engine.execute('w', i))
    await engine.flush()
    expect(storage.size).toBeLessThanOrEqual(10)

    // In memory: the very result object execute resolved with.
    for (const result of results.slice(-5)) {
      expect(await engine.getExecutionResult(result.executionId)).toBe(result)
    }
    // Evicted from memory, still in storage: rebuilt, equal in substance.
    for (const result of results.slice(20, 25)) {
      const rebuilt = await engine.getExecutionResult(result.executionId)
      expect(rebuilt).not.toBe(result)
      expect(rebuilt).toMatchObject({ executionId: result.executionId, status: 'success', tasks: { a: { status: 'success', output: { params: 'a' } } } })
      expect(await engine.getExecutionStatus(result.executionId)).toMatchObject({ status: 'success', progress: 100, completedTasks: 1 })
    }
    // Evicted from both.
    for (const result of results.slice(0, 20)) {
      const rejected = engine.getExecutionStatus(result.executionId)
      await expect(rejected).rejects.toBeInstanceOf(NotFoundError)
      await expect(rejected).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' })
      await expect(engine.getExecutionResult(result.executionId)).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' })
    }
  })

  test('finished executions older than retainFor leave the engine memory', slow, async () => {
    const engine = startEngine({ retainFor: 50 })
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build())
    const old = await engine.execute('w')
    expect(await engine.getExecutionResult(old.executionId)).toBe(old)
    advanceWallClock(120)
    const recent = await engine.execute('w')
    expect(await engine.getExecutionResult(recent.executionId)).toBe(recent)
    const rebuilt = await engine.getExecutionResult(old.executionId)
    expect(rebuilt).not.toBe(old)
    expect(rebuilt.status).toBe('success')
  })

  test('memory storage evicts executions older than its maxAge', slow, async () => {
    const storage = new MemoryStorage({ maxAge: 50 })
    const engine = startEngine({ storage, retainExecutions: 1 })
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build())
    const old = await engine.execute('w')
    await engine.execute('w')
    await engine.flush()
    advanceWallClock(120)
    await engine.execute('w')
    await engine.flush()
    await expect(engine.getExecutionResult(old.executionId)).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' })
    expect(storage.size).toBeLessThanOrEqual(2)
  })
})
