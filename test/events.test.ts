import { describe, expect, test } from 'vitest'
import { createWorkflow, type Engine, type EngineEventType } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'

const kTypes: EngineEventType[] = [
  'workflow.published', 'execution.started', 'execution.completed', 'execution.failed', 'execution.cancelled',
  'task.started', 'task.completed', 'task.failed', 'task.retrying', 'task.skipped'
]

/** Every event, as "type taskId?" strings in the order delivered, by execution id ('' for workflow events). */
function recordEvents (engine: Engine): Map<string, string[]> {
  const seen = new Map<string, string[]>()
  for (const type of kTypes) {
    engine.on(type, (e: { type: string, executionId?: string, taskId?: string }) => {
      const list = seen.get(e.executionId ?? '') ?? []
      list.push(e.taskId === undefined ? e.type : `${e.type} ${e.taskId}`)
      seen.set(e.executionId ?? '', list)
    })
  }
  return seen
}

/** Resolves when the execution's terminal event has been delivered. */
function ended (engine: Engine): Promise<string> {
  return new Promise(resolve => {
    for (const type of ['execution.completed', 'execution.failed', 'execution.cancelled'] as const) engine.on(type, e => resolve(e.type))
  })
}

describe('lifecycle events', () => {
  // batchTargetMs 50: after the first run, quick tasks and their successors travel in one
  // message, as they do with the defaults when handlers are quick enough.
  test('the events of one execution come in lifecycle order, run after run', async () => {
    const engine = startEngine({ batchTargetMs: 50 })
    const seen = recordEvents(engine)
    //   a ─ b ─ d
    //   └─ c ─┘
    await engine.publishWorkflow(createWorkflow('diamond')
      .addTask('a', { handler: sharedHandler('noop') })
      .addTask('b', { handler: sharedHandler('noop'), dependsOn: ['a'] })
      .addTask('c', { handler: sharedHandler('noop'), dependsOn: ['a'] })
      .addTask('d', { handler: sharedHandler('noop'), dependsOn: ['b', 'c'] })
      .build())
    for (let run = 0; run < 4; run++) {
      const end = ended(engine)
      const { executionId } = await engine.execute('diamond')
      expect(await end).toBe('execution.completed')
      const events = seen.get(executionId)!
      expect(events).toHaveLength(10)
      expect(events[0]).toBe('execution.started')
      expect(events.at(-1)).toBe('execution.completed')
      const at = (event: string): number => events.indexOf(event)
      for (const id of ['a', 'b', 'c', 'd']) {
        expect(at(`task.started ${id}`)).toBeGreaterThan(0)
        expect(at(`task.completed ${id}`)).toBeGreaterThan(at(`task.started ${id}`))
      }
      // a task starts once its dependencies have completed, never before
      for (const [dep, task] of [['a', 'b'], ['a', 'c'], ['b', 'd'], ['c', 'd']]) {
        expect({ run, dep, task, after: at(`task.started ${task}`) > at(`task.completed ${dep}`) })
          .toEqual({ run, dep, task, after: true })
      }
    }
    expect(seen.get('')).toEqual(['workflow.published'])
  })

  test('a failing execution reports retries, failure and skipped tasks in order', async () => {
    const engine = startEngine({ batchTargetMs: 50 })
    const seen = recordEvents(engine)
    await engine.publishWorkflow(createWorkflow('failing')
      .addTask('bad', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 1 } })
      .addTask('child', { handler: sharedHandler('noop'), dependsOn: ['bad'] })
      .build())
    const end = ended(engine)
    const { executionId } = await engine.execute('failing')
    expect(await end).toBe('execution.failed')
    expect(seen.get(executionId)).toEqual([
      'execution.started',
      'task.started bad', 'task.retrying bad', 'task.started bad', 'task.failed bad', 'task.skipped child',
      'execution.failed'
    ])
  })

  test('a listener that throws breaks neither the execution nor the other listeners', async () => {
    const engine = startEngine()
    const completed: string[] = []
    engine.on('task.completed', () => { throw new Error('listener bug') })
    engine.on('task.completed', async () => { throw new Error('async listener bug') })
    engine.on('task.completed', e => { completed.push(e.taskId) })
    engine.on('execution.started', () => { throw new Error('listener bug at start') })
    await engine.publishWorkflow(createWorkflow('chain')
      .addTask('a', { handler: sharedHandler('noop') })
      .addTask('b', { handler: sharedHandler('noop'), dependsOn: ['a'] })
      .build())
    const end = ended(engine)
    const result = await engine.execute('chain')
    expect(result.status).toBe('success')
    await end
    expect(completed).toEqual(['a', 'b'])
    expect((await engine.execute('chain')).status).toBe('success')
  })

  test('off() removes a listener', async () => {
    const engine = startEngine()
    const removed: string[] = []
    const kept: string[] = []
    const listener = (e: { taskId: string }): void => { removed.push(e.taskId) }
    engine.on('task.started', listener)
    engine.on('task.started', e => { kept.push(e.taskId) })
    engine.off('task.started', listener)
    await engine.publishWorkflow(createWorkflow('one').addTask('a', { handler: sharedHandler('noop') }).build())
    const end = ended(engine)
    await engine.execute('one')
    await end
    expect(kept).toEqual(['a'])
    expect(removed).toEqual([])
  })

  test('events carry the ids, attempt and timing of what they report', async () => {
    const engine = startEngine()
    const events: Array<{ type: string, duration: number }> = []
    engine.on('task.completed', e => { events.push(e) })
    engine.on('execution.completed', e => { events.push(e) })
    await engine.publishWorkflow(createWorkflow('ids').addTask('a', { handler: subject('flaky.mjs'), input: { succeedOn: 2 } }).build())
    const end = ended(engine)
    const result = await engine.execute('ids')
    await end
    expect(events[0]).toMatchObject({ type: 'task.completed', executionId: result.executionId, workflowId: 'ids', taskId: 'a', attempt: 2 })
    expect(events[1]).toMatchObject({ type: 'execution.completed', executionId: result.executionId, status: 'success', duration: result.duration })
    // the event's duration is the completing attempt's run time, the same as the result's
    expect(events[0].duration).toBeCloseTo(result.tasks.a.duration!, 2)
  })
})
