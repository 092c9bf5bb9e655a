import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test, vi } from 'vitest'
import { createWorkflow, type Engine } from '../dist/index.js'
import { lines, sharedHandler, startEngine, subject, tempDir } from './helpers/engine.js'

const slow = { timeout: 30_000 }

async function publishBoth (engine: Engine, spin: { timeout?: number, retry?: { maxAutoRetries: number } } = {}): Promise<void> {
  await engine.publishWorkflow(createWorkflow('forever').addTask('spin', { handler: subject('spin-forever.mjs'), ...spin }).build())
  await engine.publishWorkflow(createWorkflow('quick').addTask('echo', { handler: sharedHandler('echo'), input: 'after' }).build())
}

/** Resolves once a task of the execution has started. */
function started (engine: Engine): Promise<string> {
  return new Promise(resolve => engine.on('task.started', e => resolve(e.executionId)))
}

describe('timeouts and cancellation', () => {
  // Guarantee "a timeout stops a CPU loop": removing `this.#listener.batchTimedOut(batch)` in
  // src/runtime/watchdog.ts leaves the loop running and this test times out (checked).
  test('a task stuck in a CPU loop is stopped by its timeout and the pool runs the next execution', slow, async () => {
    const engine = startEngine({ threads: 1 })
    await publishBoth(engine, { timeout: 200, retry: { maxAutoRetries: 1 } })
    const result = await engine.execute('forever')
    expect(result.status).toBe('failed')
    expect(result.tasks.spin).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'TASK_TIMEOUT' } })
    const next = await engine.execute('quick')
    expect(next.status).toBe('success')
    expect(next.tasks.echo.output).toEqual({ deps: {}, params: 'after' })
  })

  test('a handler that honours ctx.signal is stopped by its timeout and keeps its worker', slow, async () => {
    const engine = startEngine({ threads: 1, cancelGracePeriod: 500 })
    await engine.publishWorkflow(createWorkflow('nap')
      .addTask('nap', { handler: subject('sleep.mjs'), input: { ms: 20_000 }, timeout: 100, retry: { maxAutoRetries: 0 } })
      .build())
    await engine.publishWorkflow(createWorkflow('where').addTask('where', { handler: subject('record.mjs'), input: { us: 10 } }).build())
    const before = (await engine.execute('where')).tasks.where.output as { threadId: number }
    const result = await engine.execute('nap')
    expect(result.tasks.nap).toMatchObject({ status: 'failed', error: { code: 'TASK_TIMEOUT' } })
    // execute() resolves once the stopped batch has settled, and a worker that did not stop
    // within the grace period is terminated before that: no wait is needed to see it.
    const after = (await engine.execute('where')).tasks.where.output as { threadId: number }
    expect(after.threadId).toBe(before.threadId)
  })

  test('a task timeout counts from when the task starts, not while it waits', slow, async () => {
    const engine = startEngine({ threads: 1 })
    await engine.publishWorkflow(createWorkflow('long').addTask('long', { handler: subject('record.mjs'), input: { us: 1_200_000 } }).build())
    await engine.publishWorkflow(createWorkflow('short')
      .addTask('short', { handler: subject('record.mjs'), input: { us: 10_000 }, timeout: 600, retry: { maxAutoRetries: 0 } })
      .build())
    const long = engine.execute('long')
    // Started second on the one thread: it waits ~1.2 s for the long task, twice its timeout.
    const short = await engine.execute('short')
    expect((await long).status).toBe('success')
    expect(short.status).toBe('success')
    expect(short.tasks.short.startedAt).toBeGreaterThanOrEqual((await long).tasks.long.endedAt!)
  })

  test('an execution timeout fails the execution with EXECUTION_TIMEOUT', slow, async () => {
    const engine = startEngine({ threads: 1 })
    await publishBoth(engine)
    const result = await engine.execute('forever', undefined, { timeout: 300 })
    expect(result.status).toBe('failed')
    expect(result.error?.code).toBe('EXECUTION_TIMEOUT')
    expect(result.tasks.spin.status).toBe('cancelled')
    expect((await engine.execute('quick')).status).toBe('success')
  })

  // Guarantee "cancellation": removing `this.#scheduler.stop(exec, ErrorCodes.CANCELLED, ...)` in
  // Engine.cancelExecution (src/engine.ts) fails this test and the other cancel tests (checked).
  test('cancelExecution stops a task stuck in a CPU loop', slow, async () => {
    const engine = startEngine({ threads: 1 })
    await publishBoth(engine)
    const running = started(engine)
    const id = await engine.executeAsync('forever')
    expect(await running).toBe(id)
    expect(await engine.cancelExecution(id)).toBe(true)
    const result = await engine.getExecutionResult(id)
    expect(result.status).toBe('cancelled')
    expect(result.error?.code).toBe('CANCELLED')
    expect(result.tasks.spin.status).toBe('cancelled')
    expect(await engine.cancelExecution(id)).toBe(false)
    expect((await engine.execute('quick')).status).toBe('success')
  })

  test("the caller's AbortSignal cancels the execution", slow, async () => {
    const engine = startEngine({ threads: 1 })
    await publishBoth(engine)
    const controller = new AbortController()
    void started(engine).then(() => controller.abort(new Error('user gave up')))
    const result = await engine.execute('forever', undefined, { signal: controller.signal })
    expect(result.status).toBe('cancelled')
    expect(result.error).toMatchObject({ code: 'CANCELLED' })
    expect(result.error?.message).toContain('user gave up')
    expect((await engine.execute('quick')).status).toBe('success')
  })

  test('an already aborted signal cancels the execution before any task runs', slow, async () => {
    const engine = startEngine()
    await publishBoth(engine)
    const result = await engine.execute('quick', undefined, { signal: AbortSignal.abort() })
    expect(result.status).toBe('cancelled')
    expect(result.tasks.echo.status).toBe('cancelled')
    // Not even sent: a worker that took it could have finished it before the stop.
    expect(engine.stats().scheduler.tasksDispatched).toBe(0)
  })

  test('ctx.signal aborts in a running handler when its execution is cancelled', slow, async () => {
    const file = join(await tempDir(), 'aborted.txt')
    const engine = startEngine({ threads: 1, cancelGracePeriod: 5_000 })
    await engine.publishWorkflow(createWorkflow('wait').addTask('wait', { handler: subject('abortable.mjs'), input: { file } }).build())
    const id = await engine.executeAsync('wait')
    // Cancelled once the handler runs (task.started fires when its batch is sent, and a
    // task of a stopped batch that has not started yet does not start at all).
    await expect.poll(() => lines(file), { timeout: 4_000 }).toEqual(['waiting'])
    await engine.cancelExecution(id)
    await expect.poll(() => lines(file), { timeout: 4_000 }).toEqual(['waiting', 'aborted'])
  })

  test('a sleeping handler that honours ctx.signal keeps its worker', slow, async () => {
    const engine = startEngine({ threads: 1, cancelGracePeriod: 500 })
    await engine.publishWorkflow(createWorkflow('sleep').addTask('sleep', { handler: subject('sleep.mjs'), input: { ms: 20_000 } }).build())
    await engine.publishWorkflow(createWorkflow('where').addTask('where', { handler: subject('record.mjs'), input: { us: 10 } }).build())
    const before = (await engine.execute('where')).tasks.where.output as { threadId: number }
    const running = started(engine)
    const ended = new Promise(resolve => engine.on('execution.cancelled', resolve))
    const id = await engine.executeAsync('sleep')
    await running
    await engine.cancelExecution(id)
    // The sleep rejects on abort well before the grace period: its worker is not terminated.
    // The execution ends once its stopped batch has settled; a worker that overstayed the
    // grace period would have been terminated before that.
    await ended
    const after = (await engine.execute('where')).tasks.where.output as { threadId: number }
    expect(after.threadId).toBe(before.threadId)
  })

  test('a task of a cancelled execution that had not started yet does not start', slow, async () => {
    const dir = await tempDir()
    const engine = startEngine({ threads: 1 })
    const step = subject('step.mjs')
    await engine.publishWorkflow(createWorkflow('hold').addTask('hold', { handler: step, input: { gate: 'wait' } }).build())
    await engine.publishWorkflow(createWorkflow('victim').addTask('victim', { handler: step }).build())
    await engine.publishWorkflow(createWorkflow('after').addTask('after', { handler: step }).build())
    // The only worker holds 'hold' until the marker exists; 'victim' waits behind it.
    const holding = engine.execute('hold', { dir })
    await expect.poll(() => lines(join(dir, 'runs.txt')), { timeout: 10_000 }).toEqual(['hold'])
    const queued = new Promise<void>(resolve => engine.on('task.started', e => { if (e.taskId === 'victim') resolve() }))
    const victim = await engine.executeAsync('victim', { dir })
    await queued
    expect(await engine.cancelExecution(victim)).toBe(true)
    await writeFile(join(dir, 'marker'), '')
    expect((await holding).status).toBe('success')
    // 'after' goes to the worker behind the victim's batch: once it ran, that batch was seen.
    expect((await engine.execute('after', { dir })).status).toBe('success')
    expect((await engine.getExecutionResult(victim)).status).toBe('cancelled')
    expect(await lines(join(dir, 'runs.txt'))).toEqual(['hold', 'after'])
  })

  test('cancelling keeps the tasks a worker finished in the batch it was running', slow, async () => {
    const dir = await tempDir()
    // batchTargetMs 50: once the step handler is known to be quick, a and b travel in one message.
    const engine = startEngine({ threads: 1, batchTargetMs: 50 })
    const step = subject('step.mjs')
    await engine.publishWorkflow(createWorkflow('warm').addTask('warm', { handler: step }).build())
    await engine.execute('warm', { dir })
    await engine.publishWorkflow(createWorkflow('pair')
      .addTask('a', { handler: step })
      .addTask('b', { handler: step, dependsOn: ['a'], input: { gate: 'wait' } })
      .build())
    const id = await engine.executeAsync('pair', { dir })
    // Cancelled as soon as b runs: a finished a moment before, in the same batch.
    await vi.waitFor(async () => { expect(await lines(join(dir, 'runs.txt'))).toContain('b') }, { timeout: 10_000, interval: 1 })
    await engine.cancelExecution(id)
    const result = await engine.getExecutionResult(id)
    expect(result.status).toBe('cancelled')
    expect(result.tasks.a).toMatchObject({ status: 'success', output: { task: 'a', deps: [] } })
    expect(result.tasks.b.status).toBe('cancelled')
  })
})
