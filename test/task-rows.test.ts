import { describe, expect, test } from 'vitest'
import { TaskRowList } from '../src/telemetry/task-rows.js'
import type { TaskSource } from '../src/storage/storage.js'

// A source whose record of task i names the source and the task.
function source (id: string): TaskSource {
  return { executionId: id, taskRecord: (i: number) => ({ executionId: id, taskId: `t${i}` }) } as unknown as TaskSource
}

describe('task rows of a flush', () => {
  test('rows of several executions, pushed one by one and by batch, read back in any order', () => {
    const [a, b, c] = [source('a'), source('b'), source('c')]
    const rows = new TaskRowList()
    const expected: Array<[TaskSource, number]> = []
    // Enough rows to grow the index column several times, runs of every length.
    for (let round = 0; round < 40; round++) {
      const batch = Int32Array.from({ length: 7 }, (_, k) => round * 10 + k)
      rows.pushMany(round % 3 === 0 ? a : b, batch, round % 7)
      for (let k = 0; k < round % 7; k++) expected.push([round % 3 === 0 ? a : b, batch[k]])
      rows.push(c, round)
      expected.push([c, round])
      rows.push(c, round + 1000)
      expected.push([c, round + 1000])
    }
    expect(rows.length).toBe(expected.length)
    const order = [...expected.keys()].reverse().concat([...expected.keys()].filter(k => k % 3 === 0))
    for (const k of order) {
      expect(rows.sourceOf(k)).toBe(expected[k][0])
      expect(rows.indexOf(k)).toBe(expected[k][1])
    }
    expect([...rows].map(r => `${r.executionId}/${r.taskId}`)).toEqual(expected.map(([s, i]) => `${(s as { executionId: string }).executionId}/t${i}`))
    expect(rows.at(expected.length)).toBeUndefined()
  })
})
