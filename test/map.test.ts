import { describe, expect, test } from 'vitest'
import { createWorkflow, ErrorCodes } from '../dist/index.js'
import { lines, startEngine, tempDir } from './helpers/engine.js'

const h = (name: string): URL => new URL(`../workflows/test-subjects/map.mjs#${name}`, import.meta.url)
const slow = { timeout: 30_000 }

// list -> parse (one per element) -> encode (one per parse instance) -> merge (all of encode)
const chain = createWorkflow('map-chain')
  .addTask('list', { handler: h('list') })
  .addTask('whole', { handler: h('constant'), input: { value: 'shared' } })
  .addTask('parse', { handler: h('element'), map: 'list', dependsOn: ['whole'], input: { from: 'list', other: 'whole' } })
  .addTask('encode', { handler: h('element'), map: 'parse', input: { from: 'parse' } })
  .addTask('merge', { handler: h('gather'), dependsOn: ['encode'], input: { from: 'encode' } })
  .build()

async function run (input: object, options = {}) {
  const engine = startEngine(options)
  await engine.publishWorkflow(chain)
  return engine.execute(chain, input)
}

describe('mapping a task over an array found at run time', () => {
  // Removing the element lookup of #element in batch-encoder.ts (handing each instance
  // the whole list) fails this test (checked).
  test('each instance gets its element and index; other dependencies come whole', slow, async () => {
    const result = await run({ items: ['a', 'b', 'c'] })
    expect(result.status).toBe('success')
    expect(result.tasks.parse.output).toEqual([
      { item: 'a', index: 0, task: 'parse', other: 'shared' },
      { item: 'b', index: 1, task: 'parse', other: 'shared' },
      { item: 'c', index: 2, task: 'parse', other: 'shared' }
    ])
    expect(result.tasks.parse.map).toMatchObject({ size: 3, counts: { success: 3 } })
    expect(result.tasks.parse.map!.instances.map(i => [i.mapIndex, i.status, i.attempts])).toEqual([[0, 'success', 1], [1, 'success', 1], [2, 'success', 1]])
  })

  // Filling the list value in the order instances finished instead of by index (a
  // reversed loop in #list, batch-encoder.ts) fails this test (checked).
  test('the fan-in gets the instances\' outputs in element order, however they finish', slow, async () => {
    const items = [{ sleep: 150 }, 1, { sleep: 60 }, 3, 4, 5, 6, 7]
    const result = await run({ items })
    expect(result.status).toBe('success')
    const merged = result.tasks.merge.output as Array<{ item: unknown, index: number, task: string }>
    expect(merged.map(o => o.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(merged.map(o => o.item)).toEqual(items)
    expect(merged.every(o => o.task === 'encode')).toBe(true)
    expect(result.tasks.encode.output).toEqual(merged)
  })

  // Guarantee "no barrier between two maps": making #expand wait for its source's last
  // instance (expanding from #settleMapped instead of at the source's expansion) fails it (checked).
  test('instance i of a map over a map starts once instance i is done, not the whole map', slow, async () => {
    const items = [{ sleep: 1500 }, 1, 2, 3, 4, 5]
    const result = await run({ items })
    expect(result.status).toBe('success')
    const slowParse = result.tasks.parse.map!.instances[0]
    const encoded = result.tasks.encode.map!.instances.slice(1)
    for (const instance of encoded) expect(instance.startedAt!).toBeLessThan(slowParse.endedAt!)
    expect(result.tasks.encode.map!.instances[0].startedAt!).toBeGreaterThanOrEqual(slowParse.endedAt!)
  })

  // Removing the count === 0 settle in #expand (execution.ts) hangs this test (checked).
  test('an empty array: the mapped tasks succeed with [] without running, their dependents run', slow, async () => {
    const dir = await tempDir()
    const result = await run({ items: [], dir })
    expect(result.status).toBe('success')
    expect(result.tasks.parse).toMatchObject({ status: 'success', output: [], attempts: 0, map: { size: 0, instances: [] } })
    expect(result.tasks.encode).toMatchObject({ status: 'success', output: [] })
    expect(result.tasks.merge).toMatchObject({ status: 'success', output: [] })
    expect(await lines(`${dir}/parse.0`)).toEqual([])
  })

  // Removing the notArray check in #expand fails this test (checked).
  test('an output that is not an array fails the mapped task, not retried, naming it and what it got', slow, async () => {
    const result = await run({ items: { not: 'a list' } })
    expect(result.status).toBe('failed')
    expect(result.tasks.parse.status).toBe('failed')
    expect(result.tasks.parse.error).toMatchObject({ code: ErrorCodes.MAP_INPUT_NOT_ARRAY, retryable: false })
    expect(result.tasks.parse.error!.message).toBe('task "parse" is mapped over the output of "list", which must be an array; got {"not":"a list"} (object)')
    expect(result.tasks.parse.attempts).toBe(0)
    expect(result.tasks.encode.status).toBe('skipped')
    expect(result.tasks.merge.status).toBe('skipped')
    expect(result.error).toMatchObject({ code: ErrorCodes.MAP_INPUT_NOT_ARRAY, taskId: 'parse' })
  })

  // Removing the maxMapSize check in #expand fails this test (checked).
  test('more elements than maxMapSize fail the mapped task with MAP_TOO_LARGE', slow, async () => {
    const result = await run({ count: 11 }, { maxMapSize: 10 })
    expect(result.status).toBe('failed')
    expect(result.tasks.parse.error).toMatchObject({
      code: ErrorCodes.MAP_TOO_LARGE,
      message: 'task "parse" is mapped over 11 elements of "list"; maxMapSize is 10'
    })
    expect((await run({ count: 10 }, { maxMapSize: 10 })).status).toBe('success')
  })

  test('an instance that fails after its retries fails the mapped task and the execution; dependents are skipped', slow, async () => {
    const dir = await tempDir()
    const result = await run({ items: [0, { failUntil: 'never' }, 2], dir }, { retry: { maxAutoRetries: 1 } })
    expect(result.status).toBe('failed')
    expect(result.error).toMatchObject({ code: 'NOT_YET', taskId: 'parse' })
    expect(result.tasks.parse.status).toBe('failed')
    expect(result.tasks.parse.error!.message).toBe('1 of 3 instances failed; instance 1: element 1 fails until never exists')
    expect(result.tasks.parse.map!.counts).toEqual({ success: 2, failed: 1 })
    expect(result.tasks.parse.map!.instances[1]).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'NOT_YET' } })
    // Its own chain stops there; the other elements' chains run to the end.
    expect(result.tasks.encode.map!.counts).toEqual({ success: 2, skipped: 1 })
    expect(result.tasks.encode.map!.instances[1].error).toMatchObject({ code: ErrorCodes.DEPENDENCY_FAILED, message: 'dependency "parse[1]" failed' })
    expect(result.tasks.merge.status).toBe('skipped')
    expect(await lines(`${dir}/parse.1`)).toEqual(['ran', 'ran'])
  })
})
