import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { createWorkflow, type Engine } from '../dist/index.js'
import { lines, startEngine, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'

const h = (name: string): URL => new URL(`../workflows/test-subjects/map.mjs#${name}`, import.meta.url)
const slow = { timeout: 60_000 }
const db = useTestDatabase()

// list -> parse (per element; element 2 fails until `marker` exists) -> encode (per parse instance) -> merge
const flaky = createWorkflow('map-flaky')
  .addTask('list', { handler: h('list') })
  .addTask('parse', { handler: h('element'), map: 'list', retry: { maxAutoRetries: 0 } })
  .addTask('encode', { handler: h('element'), map: 'parse', input: { from: 'parse' } })
  .addTask('merge', { handler: h('gather'), dependsOn: ['encode'], input: { from: 'encode' } })
  .build()

const items = [0, 1, { failUntil: 'marker' }, 3]

async function failedRun (engine: Engine) {
  const dir = await tempDir()
  await engine.publishWorkflow(flaky)
  const failed = await engine.execute(flaky, { items, dir })
  expect(failed.status).toBe('failed')
  expect(failed.tasks.parse.map!.counts).toEqual({ success: 3, failed: 1 })
  expect(failed.tasks.encode.map!.counts).toEqual({ success: 3, skipped: 1 })
  return { dir, failed }
}

// Each element's handler runs once in all, but element 2's parse twice: once failing, once on the resume.
async function expectRunsOnce (dir: string): Promise<void> {
  for (const task of ['parse', 'encode']) {
    for (let m = 0; m < items.length; m++) {
      expect(await lines(join(dir, `${task}.${m}`)), `${task}[${m}]`).toEqual(task === 'parse' && m === 2 ? ['ran', 'ran'] : ['ran'])
    }
  }
}

describe('resuming a mapped task', () => {
  // Guarantee "a resume runs only the instances that did not succeed": removing
  // `this.maps!.keepReused(...)` in Execution.reuseOutputs (execution.ts) runs every instance again: fails (checked).
  test('a resume runs again only the instance that failed and those skipped after it', slow, async () => {
    const engine = startEngine()
    const { dir, failed } = await failedRun(engine)
    await writeFile(join(dir, 'marker'), '')
    const resumed = await engine.manualRetry(failed.executionId)
    expect(resumed.status).toBe('success')
    expect(resumed.tasks.parse.map!.instances.map(i => i.reusedFrom === undefined ? 'ran' : 'reused')).toEqual(['reused', 'reused', 'ran', 'reused'])
    expect((resumed.tasks.merge.output as Array<{ index: number }>).map(o => o.index)).toEqual([0, 1, 2, 3])
    await expectRunsOnce(dir)
  })

  // Guarantee "history keeps every instance in MySQL": writing -1 as every row's map_index
  // (taskTuple in codec.ts), so that a task's instances share one row, fails it (checked).
  test('with MySQL, another engine reads every instance back and resumes from them', slow, async () => {
    const first = startEngine({ storage: db.storage() })
    const { dir, failed } = await failedRun(first)
    await first.close()
    const second = startEngine({ storage: db.storage() })
    await second.publishWorkflow(flaky)
    const read = await second.getExecutionResult(failed.executionId)
    expect(read.tasks.parse.map!.counts).toEqual({ success: 3, failed: 1 })
    expect(read.tasks.parse.map!.instances[2]).toMatchObject({ mapIndex: 2, status: 'failed', attempts: 1, error: { code: 'NOT_YET' } })
    expect(read.tasks.parse.map!.instances[1]).toMatchObject({ status: 'success', output: { item: 1, index: 1, task: 'parse' } })
    expect(read.tasks.encode.map!.instances[2]).toMatchObject({ status: 'skipped', error: { message: 'dependency "parse[2]" failed' } })
    const [root] = await second.getExecutionTrace(failed.executionId)
    const spans = root.children
    expect(spans.filter(s => s.taskId === 'parse').map(s => s.attributes['graph_task.task.map_index']).sort()).toEqual([0, 1, 2, 3])
    await writeFile(join(dir, 'marker'), '')
    const resumed = await second.manualRetry(failed.executionId)
    expect(resumed.status).toBe('success')
    expect(resumed.tasks.merge.output).toHaveLength(4)
    await expectRunsOnce(dir)
  })
})
