import { describe, expect, test } from 'vitest'
import { createWorkflow, Engine, EngineError, InvalidOptionsError, MemoryStorage, type EngineOptions } from '../dist/index.js'
import { sharedHandler, startEngine } from './helpers/engine.js'
import { thrownBy } from './helpers/capture.js'

function optionError (options: EngineOptions): InvalidOptionsError {
  const err = thrownBy(() => { void new Engine(options).close() }, InvalidOptionsError)
  expect(err).toBeInstanceOf(EngineError)
  expect(err.code).toBe('INVALID_OPTIONS')
  return err
}

describe('engine options', () => {
  test('invalid pool and queue options are refused naming the option', () => {
    expect(optionError({ threads: 0 }).message).toMatch(/threads/)
    expect(optionError({ threads: 1.5 }).message).toMatch(/threads/)
    expect(optionError({ maxConcurrency: 0 }).message).toMatch(/maxConcurrency/)
    expect(optionError({ maxQueuedTasks: -1 }).message).toMatch(/maxQueuedTasks/)
    expect(optionError({ retainExecutions: 0 }).message).toMatch(/retainExecutions/)
    expect(optionError({ cancelGracePeriod: -1 }).message).toMatch(/cancelGracePeriod/)
    expect(optionError({ idleTimeout: Number.NaN }).message).toMatch(/idleTimeout/)
    expect(optionError({ handlerLoadTimeout: 0 }).message).toMatch(/handlerLoadTimeout/)
    expect(optionError({ handlerLoadTimeout: 2 ** 31 }).message).toMatch(/handlerLoadTimeout/)
  })

  test('an invalid default retry policy is refused naming the field', () => {
    expect(optionError({ retry: { maxAutoRetries: -1 } }).message).toMatch(/retry\.maxAutoRetries/)
    expect(optionError({ retry: { retryDelay: Number.POSITIVE_INFINITY } }).message).toMatch(/retry\.retryDelay/)
    expect(optionError({ retry: { maxRetryDelay: -1 } }).message).toMatch(/retry\.maxRetryDelay/)
    expect(optionError({ retry: { backoffMultiplier: 0 } }).message).toMatch(/retry\.backoffMultiplier/)
    expect(optionError({ retry: { jitter: -0.1 } }).message).toMatch(/retry\.jitter/)
  })

  test('invalid logging, tracer and storage options are refused', () => {
    expect(optionError({ executionLogLevel: 'verbose' as 'info' }).message).toMatch(/executionLogLevel/)
    expect(optionError({ tracer: { batchSize: 0 } }).message).toMatch(/tracer\.batchSize/)
    expect(optionError({ storage: {} as MemoryStorage }).message).toMatch(/storage/)
    expect(() => new MemoryStorage({ maxExecutions: 0 })).toThrow(InvalidOptionsError)
  })

  test('valid options give a working engine with its stats', async () => {
    const engine = startEngine({ threads: 3, maxConcurrency: 2, instanceId: 'test-instance' })
    expect(engine.instanceId).toBe('test-instance')
    const stats = engine.stats()
    expect(stats).toMatchObject({ instanceId: 'test-instance', threads: 3, executionsRunning: 0, executionsStarted: 0 })
    expect(stats.scheduler.tasksInFlight).toBe(0)
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: sharedHandler('echo'), input: 'ok' }).build())
    const result = await engine.execute('w')
    expect(result.tasks.a).toMatchObject({ status: 'success', output: { params: 'ok' } })
    expect(engine.stats()).toMatchObject({ executionsStarted: 1, executionsRunning: 0 })
  })
})
