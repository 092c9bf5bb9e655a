import { describe, expect, test } from 'vitest'
import { createWorkflow, EngineError, HandlerError, NotFoundError } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'

const noop = sharedHandler('noop')

describe('stage plan and publication', () => {
  test('the plan groups tasks by longest distance from a root and names the critical path', async () => {
    const engine = startEngine()
    //   a ─ b ─ d ─ e
    //   c ──────┘
    //   f (alone)
    await engine.publishWorkflow(createWorkflow('plan')
      .addTask('e', { handler: noop, dependsOn: ['d'] })
      .addTask('d', { handler: noop, dependsOn: ['b', 'c'] })
      .addTask('b', { handler: noop, dependsOn: ['a'] })
      .addTask('a', { handler: noop })
      .addTask('c', { handler: noop })
      .addTask('f', { handler: noop })
      .build())
    const plan = engine.getExecutionPlan('plan')
    expect(plan.workflowId).toBe('plan')
    expect(plan.totalTasks).toBe(6)
    expect(plan.stages.map(s => [...s].sort())).toEqual([['a', 'c', 'f'], ['b'], ['d'], ['e']])
    expect(plan.criticalPath).toEqual(['a', 'b', 'd', 'e'])
    expect(plan.maxParallelism).toBe(3)
  })

  test('the plan of an unknown workflow is a WORKFLOW_NOT_FOUND error', () => {
    const engine = startEngine()
    expect(() => engine.getExecutionPlan('nope')).toThrow(NotFoundError)
  })

  test('a missing handler module fails at publish with HANDLER_NOT_FOUND', async () => {
    const engine = startEngine()
    const workflow = createWorkflow('missing')
      .addTask('a', { handler: noop })
      .addTask('b', { handler: subject('does-not-exist.mjs'), dependsOn: ['a'] })
      .build()
    const rejected = engine.publishWorkflow(workflow)
    await expect(rejected).rejects.toBeInstanceOf(HandlerError)
    await expect(rejected).rejects.toMatchObject({ code: 'HANDLER_NOT_FOUND' })
    await expect(rejected).rejects.toMatchObject({ message: expect.stringContaining('"b"') })
    await expect(rejected).rejects.toMatchObject({ message: expect.stringContaining('does-not-exist.mjs') })
    expect(engine.getWorkflow('missing')).toBeUndefined()
  })

  test('a named export that is not a function fails at publish with HANDLER_NOT_FUNCTION', async () => {
    const engine = startEngine()
    const missingExport = createWorkflow('no-export')
      .addTask('a', { handler: sharedHandler('noop').href.replace('#noop', '#nothing') })
      .build()
    await expect(engine.publishWorkflow(missingExport)).rejects.toMatchObject({ code: 'HANDLER_NOT_FUNCTION' })
    const notAFunction = createWorkflow('object-export')
      .addTask('a', { handler: subject('not-a-function.mjs') })
      .addTask('b', { handler: subject('not-a-function.mjs#answer') })
      .build()
    const rejected = engine.publishWorkflow(notAFunction)
    await expect(rejected).rejects.toBeInstanceOf(HandlerError)
    await expect(rejected).rejects.toMatchObject({ code: 'HANDLER_NOT_FUNCTION' })
    expect(engine.listWorkflows()).toEqual([])
  })

  test('published workflows can be listed, read and deleted', async () => {
    const engine = startEngine()
    const workflow = createWorkflow('crud').addTask('a', { handler: noop }).build()
    await engine.publishWorkflow(workflow)
    expect(engine.getWorkflow('crud')).toBe(workflow)
    expect(engine.listWorkflows().map(w => w.id)).toEqual(['crud'])
    expect(engine.deleteWorkflow('crud')).toBe(true)
    expect(engine.deleteWorkflow('crud')).toBe(false)
    await expect(engine.execute('crud')).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' })
  })

  test('publishing another definition under a published id needs replace', async () => {
    const engine = startEngine()
    const first = createWorkflow('same-id').addTask('a', { handler: noop }).build()
    const second = createWorkflow('same-id').addTask('b', { handler: noop }).build()
    await engine.publishWorkflow(first)
    await engine.publishWorkflow(first)
    const rejected = engine.publishWorkflow(second)
    await expect(rejected).rejects.toBeInstanceOf(EngineError)
    await expect(rejected).rejects.toMatchObject({ code: 'WORKFLOW_EXISTS' })
    await engine.publishWorkflow(second, { replace: true })
    expect(engine.getExecutionPlan('same-id').stages).toEqual([['b']])
  })
})
