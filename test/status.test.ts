import { describe, expect, test } from 'vitest'
import { createWorkflow, NotFoundError, type Engine, type ExecutionStatusInfo } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'

const slow = { timeout: 30_000 }

/** Polls the status until the execution is no longer running (bounded by expect.poll); returns every status seen. */
async function follow (engine: Engine, id: string): Promise<ExecutionStatusInfo[]> {
  const seen: ExecutionStatusInfo[] = []
  await expect.poll(async () => {
    const status = await engine.getExecutionStatus(id)
    seen.push(status)
    return status.status
  }, { timeout: 20_000, interval: 10 }).not.toBe('running')
  return seen
}

describe('execution status', () => {
  test('executeAsync returns the id while the execution still runs', slow, async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('nap').addTask('nap', { handler: subject('sleep.mjs'), input: { ms: 300 } }).build())
    const id = await engine.executeAsync('nap')
    expect(id).toMatch(/^[0-9A-Z]{26}$/)
    const status = await engine.getExecutionStatus(id)
    expect(status).toMatchObject({ executionId: id, workflowId: 'nap', status: 'running', totalTasks: 1, completedTasks: 0 })
    expect(status.progress).toBe(0)
    const seen = await follow(engine, id)
    expect(seen.at(-1)).toMatchObject({ status: 'success', progress: 100 })
  })

  test('progress rises to 100 with the counts of finished tasks', slow, async () => {
    const engine = startEngine({ threads: 1 })
    let builder = createWorkflow('steps')
    for (let i = 0; i < 4; i++) {
      builder = builder.addTask(`s${i}`, { handler: subject('sleep.mjs'), input: { ms: 60 }, ...(i > 0 && { dependsOn: [`s${i - 1}`] }) })
    }
    await engine.publishWorkflow(builder.build())
    const id = await engine.executeAsync('steps')
    const seen = await follow(engine, id)
    const progress = seen.map(s => s.progress)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    // some poll saw a step finished and the next one running
    expect(seen.some(s => s.status === 'running' && s.completedTasks > 0 && s.runningTasks === 1)).toBe(true)
    for (const s of seen) expect(s.progress).toBe(s.completedTasks * 25)
    expect(seen.at(-1)).toMatchObject({ status: 'success', progress: 100, totalTasks: 4, completedTasks: 4, failedTasks: 0, runningTasks: 0 })
  })

  test('the counts of a failed execution add up to 100 percent', slow, async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('mixed')
      .addTask('ok', { handler: subject('record.mjs') })
      .addTask('bad', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 0 } })
      .addTask('skipped', { handler: subject('record.mjs'), dependsOn: ['bad'] })
      .build())
    const { executionId } = await engine.execute('mixed')
    expect(await engine.getExecutionStatus(executionId)).toMatchObject({
      status: 'failed', progress: 100, totalTasks: 3, completedTasks: 1, failedTasks: 1, skippedTasks: 1, runningTasks: 0
    })
  })

  test('getExecutionResult gives the result once the execution has ended', slow, async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('nap').addTask('nap', { handler: subject('sleep.mjs'), input: { ms: 50 } }).build())
    const ended = new Promise(resolve => engine.on('execution.completed', resolve))
    const id = await engine.executeAsync('nap')
    await ended
    const result = await engine.getExecutionResult(id)
    expect(result).toMatchObject({ executionId: id, status: 'success', tasks: { nap: { status: 'success', output: { slept: 50 } } } })
  })

  test('an unknown execution id is a NotFoundError', async () => {
    const engine = startEngine()
    for (const pending of [engine.getExecutionStatus('01NOSUCHEXECUTION000000000'), engine.getExecutionResult('01NOSUCHEXECUTION000000000')]) {
      const rejected = pending
      await expect(rejected).rejects.toBeInstanceOf(NotFoundError)
      await expect(rejected).rejects.toMatchObject({ code: 'EXECUTION_NOT_FOUND' })
    }
  })
})
