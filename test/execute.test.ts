import { describe, expect, test } from 'vitest'
import { createWorkflow, EngineClosedError, EngineError, NotFoundError } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'

describe('execute', () => {
  test('a successful execution resolves with its result fields', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('ok')
      .addTask('a', { name: 'First step', handler: sharedHandler('echo'), input: { n: 1 } })
      .addTask('b', { handler: sharedHandler('noop'), dependsOn: ['a'] })
      .build())
    const result = await engine.execute('ok', { any: 'input' })
    expect(result).toMatchObject({ workflowId: 'ok', status: 'success' })
    expect(result.executionId).toMatch(/^[0-9A-Z]{26}$/)
    expect(result.error).toBeUndefined()
    expect(result.endedAt).toBeGreaterThanOrEqual(result.startedAt)
    expect(result.duration).toBeCloseTo(result.endedAt - result.startedAt, 2)
    expect(result.tasks.a).toMatchObject({
      taskId: 'a', name: 'First step', status: 'success', attempts: 1, output: { deps: {}, params: { n: 1 } }
    })
    expect(result.tasks.a.duration).toBeCloseTo(result.tasks.a.endedAt! - result.tasks.a.startedAt!, 2)
    expect(result.tasks.b).toMatchObject({ taskId: 'b', name: 'b', status: 'success', attempts: 1 })
    expect(result.tasks.b.output).toBeUndefined()
    expect(result.tasks.b.startedAt).toBeGreaterThanOrEqual(result.tasks.a.endedAt!)
  })

  test('a failed execution resolves with the failing task and its error', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('bad')
      .addTask('boom', { handler: subject('fail.mjs'), input: { code: 'E_BOOM', message: 'boom' }, retry: { maxAutoRetries: 0 } })
      .build())
    const result = await engine.execute('bad')
    expect(result.status).toBe('failed')
    expect(result.error).toMatchObject({ code: 'E_BOOM', message: 'boom', taskId: 'boom' })
    expect(result.tasks.boom).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'E_BOOM', message: 'boom' } })
    expect(result.tasks.boom.output).toBeUndefined()
  })

  test('a cancelled execution resolves with status cancelled', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('forever').addTask('spin', { handler: subject('spin-forever.mjs') }).build())
    const controller = new AbortController()
    engine.on('task.started', () => controller.abort())
    const result = await engine.execute('forever', undefined, { signal: controller.signal })
    expect(result.status).toBe('cancelled')
    expect(result.error?.code).toBe('CANCELLED')
    expect(result.tasks.spin.status).toBe('cancelled')
  })

  test('execute rejects for a workflow that is not published', async () => {
    const engine = startEngine()
    const rejected = engine.execute('unknown')
    await expect(rejected).rejects.toBeInstanceOf(NotFoundError)
    await expect(rejected).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' })
  })

  test('execute rejects on a closed engine', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build())
    await engine.close()
    const rejected = engine.execute('w')
    await expect(rejected).rejects.toBeInstanceOf(EngineClosedError)
    await expect(rejected).rejects.toMatchObject({ code: 'ENGINE_CLOSED' })
  })

  test('execute rejects an input that cannot cross threads', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build())
    const rejected = engine.execute('w', { callback: () => 1 })
    await expect(rejected).rejects.toBeInstanceOf(EngineError)
    await expect(rejected).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    expect((await engine.execute('w', { fine: true })).status).toBe('success')
  })

  test('invalid execute options are rejected, not thrown', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('noop') }).build())
    const pending = engine.execute('w', undefined, { timeout: -1 })
    await expect(pending).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await expect(engine.execute('w', undefined, { signal: {} as AbortSignal })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
  })

  test('a handler gets the execution input, its params, its direct dependencies and its ids', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('ctx')
      .addTask('a', { handler: subject('context.mjs'), input: { level: 'a' } })
      .addTask('b', { handler: subject('context.mjs'), dependsOn: ['a'], input: { level: 'b', when: new Date(0) } })
      .addTask('c', { handler: subject('context.mjs'), dependsOn: ['b'] })
      .build())
    const input = { size: 3n, tags: new Set(['x']) }
    const result = await engine.execute('ctx', input)
    const a = result.tasks.a.output as Record<string, any>
    const b = result.tasks.b.output as Record<string, any>
    const c = result.tasks.c.output as Record<string, any>
    expect(a).toEqual({ input, executionId: result.executionId, workflowId: 'ctx', taskId: 'a', attempt: 1, params: { level: 'a' }, deps: {} })
    expect(b.params).toEqual({ level: 'b', when: new Date(0) })
    expect(b.deps).toEqual({ a })
    // only direct dependencies: c sees b, not a
    expect(Object.keys(c.deps)).toEqual(['b'])
    expect(c.deps.b).toEqual(b)
    expect(c.params).toBeUndefined()
    expect(c.input).toEqual(input)
  })
})
