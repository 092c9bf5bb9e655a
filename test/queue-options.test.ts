import { describe, expect, onTestFinished, test } from 'vitest'
import { Engine, MemoryStorage } from '../dist/index.js'
import { ExecutionQueue } from '../dist/queue.js'
import { importOptional } from '../src/queue/load.js'
import { redisUrl, usePrefix, useQueue } from './helpers/queue.js'

describe('the execution queue refuses what it cannot honour', () => {
  test('serve() on MemoryStorage is refused with STORAGE_NOT_SHARED before it takes any execution', async () => {
    const engine = new Engine({ threads: 1, storage: new MemoryStorage() })
    onTestFinished(() => engine.close())
    const queue = useQueue(usePrefix())
    await expect(engine.serve(queue, { concurrency: 2 })).rejects.toMatchObject({
      name: 'QueueError', code: 'STORAGE_NOT_SHARED', message: expect.stringContaining('MySQLStorage')
    })
  })

  test('unknown and wrong options are refused with the option named', async () => {
    expect(() => new ExecutionQueue({ connection: redisUrl, prefx: 'x' } as any)).toThrow("unknown option 'prefx' in new ExecutionQueue(); did you mean 'prefix'?")
    expect(() => new ExecutionQueue({ connection: 'http://host' })).toThrow('redis:// URL')
    expect(() => new ExecutionQueue({ connection: redisUrl, prefix: 'a:b' })).toThrow("prefix must be a non-empty string without ':'")
    const queue = useQueue(usePrefix())
    await expect(queue.submit('wf', {}, { executionId: 'x'.repeat(27) })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await expect(queue.submit('wf', {}, { delay: -1 })).rejects.toThrow('delay must be an integer of at least 0')
    await expect(queue.submit('wf', {}, { timout: 5 } as any)).rejects.toThrow("did you mean 'timeout'?")
    await expect(queue.submit('wf', () => 1)).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(queue.schedule('s', 'wf', {}, { every: 10, cron: '* * * * *' })).rejects.toThrow('exactly one of every')
    await expect(queue.getExecutionResult('never-submitted')).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' })
    const engine = new Engine({ threads: 1 })
    onTestFinished(() => engine.close())
    await expect(engine.serve(queue, { concurency: 2 } as any)).rejects.toThrow("did you mean 'concurrency'?")
  })

  test('a missing optional package is named in a QUEUE_UNAVAILABLE error', async () => {
    await expect(importOptional('graph-task-no-such-package')).rejects.toMatchObject({
      code: 'QUEUE_UNAVAILABLE', message: expect.stringContaining('"graph-task-no-such-package"')
    })
    expect(await importOptional<{ Queue: unknown }>('bullmq')).toHaveProperty('Queue')
  })
})
