import { describe, expect, test } from 'vitest'
import { createWorkflow, type Engine } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'

async function publishLogger (engine: Engine): Promise<void> {
  await engine.publishWorkflow(createWorkflow('logs')
    .addTask('log', { handler: subject('logger.mjs') })
    .addTask('quiet', { handler: sharedHandler('noop'), dependsOn: ['log'] })
    .build())
}

describe('execution logs', () => {
  test('handler log lines at info and above are kept by default, with their task, attempt and data', async () => {
    const engine = startEngine()
    await publishLogger(engine)
    const { executionId } = await engine.execute('logs')
    const logs = await engine.getExecutionLogs(executionId, { taskId: 'log' })
    expect(logs.map(l => [l.level, l.message])).toEqual([['info', 'info line'], ['warn', 'warn line'], ['error', 'error line']])
    expect(logs[0]).toMatchObject({ executionId, taskId: 'log', attempt: 1, data: { level: 'info', taskId: 'log' } })
    const all = await engine.getExecutionLogs(executionId)
    // the engine's own lines (start, end) are there too, oldest first
    expect(all.length).toBeGreaterThan(logs.length)
    expect(all.map(l => l.time)).toEqual([...all.map(l => l.time)].sort((a, b) => a - b))
  })

  test("executionLogLevel 'trace' keeps every handler line", async () => {
    const engine = startEngine({ executionLogLevel: 'trace' })
    await publishLogger(engine)
    const { executionId } = await engine.execute('logs')
    const logs = await engine.getExecutionLogs(executionId, { taskId: 'log' })
    expect(logs.map(l => l.level)).toEqual(['trace', 'debug', 'info', 'warn', 'error'])
  })

  test('logs are filtered by task, minimum level, limit and offset', async () => {
    const engine = startEngine({ executionLogLevel: 'trace' })
    await publishLogger(engine)
    const { executionId } = await engine.execute('logs')
    expect(await engine.getExecutionLogs(executionId, { taskId: 'quiet' })).toEqual([])
    const warn = await engine.getExecutionLogs(executionId, { taskId: 'log', level: 'warn' })
    expect(warn.map(l => l.message)).toEqual(['warn line', 'error line'])
    const page = await engine.getExecutionLogs(executionId, { taskId: 'log', offset: 1, limit: 2 })
    expect(page.map(l => l.message)).toEqual(['debug line', 'info line'])
  })

  test('a failed attempt leaves a warning line and a final error line', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('fails').addTask('bad', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 1 } }).build())
    const { executionId } = await engine.execute('fails')
    const logs = await engine.getExecutionLogs(executionId, { taskId: 'bad' })
    expect(logs.map(l => [l.level, l.attempt])).toEqual([['warn', 1], ['error', 2]])
    expect(logs[1].message).toContain('TEST_FAILURE')
  })
})

describe('execution traces', () => {
  test('one root span per execution with one child span per task attempt', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('traced')
      .addTask('flaky', { handler: subject('flaky.mjs'), input: { succeedOn: 3 } })
      .addTask('after', { handler: sharedHandler('noop'), dependsOn: ['flaky'] })
      .build())
    const result = await engine.execute('traced')
    const trace = await engine.getExecutionTrace(result.executionId)
    expect(trace).toHaveLength(1)
    const [root] = trace
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(root.spanId).toMatch(/^[0-9a-f]{16}$/)
    expect(root.parentSpanId).toBeUndefined()
    expect(root).toMatchObject({ executionId: result.executionId, statusCode: 'OK' })
    expect(root.children.map(c => c.taskId)).toEqual(['flaky', 'flaky', 'flaky', 'after'])
    const ids = new Set([root.spanId])
    for (const span of root.children) {
      expect(span.traceId).toBe(root.traceId)
      expect(span.parentSpanId).toBe(root.spanId)
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/)
      ids.add(span.spanId)
      expect(span.children).toEqual([])
      expect(span.startTime).toBeGreaterThanOrEqual(root.startTime)
      expect(span.endTime).toBeLessThanOrEqual(root.endTime)
    }
    expect(ids.size).toBe(5)
  })

  test('task spans carry attempt, queue wait, run time, worker thread and status', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('traced').addTask('flaky', { handler: subject('flaky.mjs'), input: { succeedOn: 3 } }).build())
    const result = await engine.execute('traced')
    const [root] = await engine.getExecutionTrace(result.executionId)
    const spans = root.children
    expect(spans.map(s => s.attributes['graph_task.task.attempt'])).toEqual([1, 2, 3])
    expect(spans.map(s => s.statusCode)).toEqual(['ERROR', 'ERROR', 'OK'])
    expect(spans[0].attributes['error.type']).toBe('TASK_FAILED')
    expect(spans[0].statusMessage).toContain('attempt 1 failed')
    // Queue wait counts from when the attempt became ready: never longer than the gap since
    // the execution started (first attempt) or since the attempt before ended (retries).
    let previousEnd = root.startTime
    for (const span of spans) {
      const { attributes } = span
      expect(attributes['graph_task.task.queue_wait_ms']).toBeLessThanOrEqual(span.startTime - previousEnd + 0.001)
      expect(attributes['graph_task.task.run_ms']).toBeCloseTo(span.endTime - span.startTime, 2)
      previousEnd = span.endTime
      expect(Number.isInteger(attributes['thread.id'])).toBe(true)
      expect(attributes['thread.id']).toBeGreaterThan(0)
    }
    expect(spans[2].attributes['graph_task.task.status']).toBe('success')
  })

  test('attempts stopped by a timeout or a cancellation have their spans too', { timeout: 30_000 }, async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('stuck')
      .addTask('spin', { handler: subject('spin-forever.mjs'), timeout: 200, retry: { maxAutoRetries: 1 } })
      .build())
    const timedOut = await engine.execute('stuck')
    const [root] = await engine.getExecutionTrace(timedOut.executionId)
    expect(root.children.map(s => [s.attributes['graph_task.task.attempt'], s.statusCode, s.attributes['error.type']]))
      .toEqual([[1, 'ERROR', 'TASK_TIMEOUT'], [2, 'ERROR', 'TASK_TIMEOUT']])

    const controller = new AbortController()
    engine.on('task.started', () => controller.abort())
    const cancelled = await engine.execute('stuck', undefined, { signal: controller.signal })
    expect(cancelled.status).toBe('cancelled')
    const [cancelledRoot] = await engine.getExecutionTrace(cancelled.executionId)
    expect(cancelledRoot.statusCode).toBe('ERROR')
    expect(cancelledRoot.children.map(s => [s.taskId, s.statusCode, s.attributes['error.type']]))
      .toEqual([['spin', 'ERROR', 'CANCELLED']])
  })

  test('an unknown execution has no trace and no logs', async () => {
    const engine = startEngine()
    expect(await engine.getExecutionTrace('01NOSUCHEXECUTION000000000')).toEqual([])
    expect(await engine.getExecutionLogs('01NOSUCHEXECUTION000000000')).toEqual([])
  })
})
