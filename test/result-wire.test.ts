import { describe, expect, test } from 'vitest'
import { executionResultOf } from '../src/history/results.js'
import { decodeResult, encodeResult } from '../src/queue/wire.js'
import type { ExecutionResult } from '../src/types.js'

const at = 1_765_000_000_000.125

function noopResult (tasks: number): ExecutionResult {
  const result: ExecutionResult = { executionId: 'E1', workflowId: 'wf', status: 'success', startedAt: at, endedAt: at + 3, duration: 3, tasks: {} }
  for (let i = 0; i < tasks; i++) {
    result.tasks[`t${i}`] = { taskId: `t${i}`, name: `t${i}`, status: 'success', attempts: 1, startedAt: at + i, endedAt: at + i + 0.5, duration: 0.5 }
  }
  return result
}

describe('results through the queue', () => {
  test('a result comes back with every field of its tasks, in the order results are made with', () => {
    const result: ExecutionResult = {
      executionId: 'E2',
      workflowId: 'wf',
      status: 'failed',
      startedAt: at,
      endedAt: at + 9,
      duration: 9,
      tasks: {
        load: { taskId: 'load', name: 'Load the rows', status: 'success', attempts: 1, output: new Map([['a', new Date(5)]]), startedAt: at, endedAt: at + 1, duration: 1, reusedFrom: 'E0' },
        each: {
          taskId: 'each', name: 'each', status: 'failed', attempts: 1, cached: true,
          map: { size: 2, counts: { success: 1, failed: 1 }, instances: [{ mapIndex: 0, status: 'success', attempts: 1, output: 1n }, { mapIndex: 1, status: 'failed', attempts: 2, error: { code: 'TASK_FAILED', message: 'no' } }] }
        },
        sink: { taskId: 'sink', name: 'sink', status: 'skipped', attempts: 0 }
      },
      error: { code: 'TASK_FAILED', message: 'no', taskId: 'each', mapIndex: 1 },
      retryOf: 'E1'
    }
    const back = decodeResult(encodeResult(result))
    expect(back).toStrictEqual(result)
    expect(Object.keys(back)).toEqual(Object.keys(result))
    for (const id of Object.keys(result.tasks)) expect(Object.keys(back.tasks[id])).toEqual(Object.keys(result.tasks[id]))
  })

  test('each field of the task results is named once, not once per task', () => {
    const encoded = Buffer.from(encodeResult(noopResult(50)), 'base64').toString('latin1')
    expect(encoded.split('attempts').length - 1).toBe(1)
    // The execution's own, and the column's.
    expect(encoded.split('startedAt').length - 1).toBe(2)
    // A name that is the task's id does not travel.
    expect(encoded.split('t7').length - 1).toBe(1)
  })

  test('a value every task shares goes once, and times go as numbers without a name each', () => {
    const encoded = Buffer.from(encodeResult(noopResult(50)), 'base64').toString('latin1')
    // The execution's status, and the one the tasks share.
    expect(encoded.split('success').length - 1).toBe(2)
    // Durations that are end minus start are made again on arrival, not sent.
    expect(encoded.split('duration').length - 1).toBe(1)
    expect(decodeResult(encodeResult(noopResult(50)))).toStrictEqual(noopResult(50))
  })

  test('tasks that differ come back as they were: statuses, attempts, missing times, a duration that is not end minus start, an output that is NaN', () => {
    const result = noopResult(4)
    result.status = 'failed'
    const t1 = result.tasks.t1
    result.tasks.t1 = { taskId: 't1', name: 'Second', status: 'failed', attempts: 3, error: { code: 'TASK_FAILED', message: 'no' }, startedAt: t1.startedAt, endedAt: t1.endedAt, duration: t1.duration }
    result.tasks.t2 = { taskId: 't2', name: 't2', status: 'skipped', attempts: 0 }
    // Read back from storage, a duration may be what was stored rather than the times' difference.
    result.tasks.t3 = { ...result.tasks.t3, duration: 0.25 }
    // An output that is NaN is a value like any other, not a missing time.
    const t0 = result.tasks.t0
    result.tasks.t0 = { taskId: 't0', name: 't0', status: 'success', attempts: 1, output: NaN, startedAt: t0.startedAt, endedAt: t0.endedAt, duration: t0.duration }
    const back = decodeResult(encodeResult(result))
    expect(back).toStrictEqual(result)
    for (const id of Object.keys(result.tasks)) expect(Object.keys(back.tasks[id])).toEqual(Object.keys(result.tasks[id]))
  })

  test('a result whose task results are made on first read is sent without keeping them', () => {
    const plain = noopResult(4)
    const lazy = executionResultOf({ ...plain, workflowVersion: '1', definitionHash: 'h', instanceId: 'i', input: new Uint8Array(0), updatedAt: plain.endedAt, totalTasks: 4, completedTasks: 4, failedTasks: 0 },
      () => structuredClone(plain.tasks))
    expect(decodeResult(encodeResult(lazy))).toStrictEqual(plain)
    // The engine keeps its last results: still to be made on read, not made and held.
    expect(Object.getOwnPropertyDescriptor(lazy, 'tasks')?.get).toBeTypeOf('function')
    expect(lazy).toStrictEqual(plain)
  })
})
