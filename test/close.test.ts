import { describe, expect, test } from 'vitest'
import { createWorkflow, EngineClosedError, type Engine } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'

const slow = { timeout: 30_000 }

function started (engine: Engine): Promise<void> {
  return new Promise(resolve => engine.on('task.started', () => resolve()))
}

describe('close', () => {
  test('closing twice is harmless', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build())
    await engine.execute('w')
    const first = engine.close()
    const second = engine.close()
    await expect(Promise.all([first, second, engine.close()])).resolves.toEqual([undefined, undefined, undefined])
    await expect(engine.execute('w')).rejects.toBeInstanceOf(EngineClosedError)
    await expect(engine.close()).resolves.toBeUndefined()
  })

  test('close lets a running execution finish', slow, async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('nap').addTask('nap', { handler: subject('sleep.mjs'), input: { ms: 200 } }).build())
    const nap = started(engine)
    const running = engine.execute('nap')
    await nap
    await engine.close()
    const result = await running
    expect(result.status).toBe('success')
    expect(result.tasks.nap.output).toEqual({ slept: 200 })
  })

  test('close({ cancel: true }) cancels a task stuck in a CPU loop', slow, async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('forever').addTask('spin', { handler: subject('spin-forever.mjs') }).build())
    const spinning = started(engine)
    const running = engine.execute('forever')
    await spinning
    await engine.close({ cancel: true })
    const result = await running
    expect(result.status).toBe('cancelled')
    expect(result.tasks.spin.status).toBe('cancelled')
  })

  test('a closed engine refuses new executions and publications', async () => {
    const engine = startEngine()
    const workflow = createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build()
    await engine.publishWorkflow(workflow)
    await engine.close()
    await expect(engine.execute('w')).rejects.toBeInstanceOf(EngineClosedError)
    await expect(engine.executeAsync('w')).rejects.toMatchObject({ code: 'ENGINE_CLOSED' })
    await expect(engine.publishWorkflow(workflow)).rejects.toMatchObject({ code: 'ENGINE_CLOSED' })
  })

  test('results, logs and traces stay readable after close', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('w').addTask('log', { handler: subject('logger.mjs') }).build())
    const result = await engine.execute('w')
    await engine.close()
    expect((await engine.getExecutionResult(result.executionId)).status).toBe('success')
    expect((await engine.getExecutionLogs(result.executionId, { taskId: 'log' })).length).toBe(3)
    expect(await engine.getExecutionTrace(result.executionId)).toHaveLength(1)
  })
})
