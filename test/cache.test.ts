import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { createWorkflow, ErrorCodes, MemoryStorage } from '../dist/index.js'
import { lines, startEngine, subject, tempDir } from './helpers/engine.js'

const slow = { timeout: 30_000 }
const h = (name: string): URL => subject(`cached.mjs#${name}`)

// files (not cached: it reads the data) -> work, one cached instance per item -> sum (cached)
const perFile = createWorkflow('cached-per-file')
  .addTask('files', { handler: h('files') })
  .addTask('work', { handler: h('work'), map: 'files', cache: true })
  .addTask('sum', { handler: h('sum'), dependsOn: ['work'], cache: { version: '1' } })
  .build()

async function dataDir (items: unknown[]): Promise<string> {
  const dir = await tempDir()
  await writeFile(join(dir, 'items.json'), JSON.stringify(items))
  return dir
}

describe('cached task results', () => {
  // Sending every ready task to the workers (Execution.#pushReady never queueing a
  // lookup) fails this test (checked): the warm run calls every handler again.
  test('a warm run calls no cached handler and gives the same outputs, marked cached', slow, async () => {
    const dir = await dataDir([{ value: 1 }, { value: 2 }, { value: 3 }])
    const engine = startEngine()
    await engine.publishWorkflow(perFile)
    const cold = await engine.execute(perFile, { dir })
    expect(cold.status).toBe('success')
    expect(cold.tasks.sum.output).toBe(12)
    expect(cold.tasks.work.cached).toBeUndefined()
    const warm = await engine.execute(perFile, { dir })
    expect(warm.status).toBe('success')
    expect(await lines(join(dir, 'calls.work'))).toHaveLength(3)
    expect(await lines(join(dir, 'calls.sum'))).toHaveLength(1)
    expect(warm.tasks.work.output).toEqual(cold.tasks.work.output)
    expect(warm.tasks.sum).toMatchObject({ output: 12, cached: true, attempts: 0 })
    expect(warm.tasks.work.cached).toBe(true)
    expect(warm.tasks.work.map!.instances.every(i => i.cached === true && i.attempts === 0)).toBe(true)
    expect(engine.stats().cache).toMatchObject({ hits: 4, misses: 4, stored: 4 })
  })

  // Keying an instance by its mapped task alone (the element's digest left out of
  // CacheKeys.keyOf) fails this test (checked): the changed element hits.
  test('one changed element runs exactly once, and what takes it again', slow, async () => {
    const dir = await dataDir([{ value: 1 }, { value: 2 }, { value: 3 }, { value: 4 }])
    const engine = startEngine()
    await engine.publishWorkflow(perFile)
    await engine.execute(perFile, { dir })
    await writeFile(join(dir, 'items.json'), JSON.stringify([{ value: 1 }, { value: 20 }, { value: 3 }, { value: 4 }]))
    const events: boolean[] = []
    engine.on('task.completed', e => { if (e.taskId === 'work' && e.mapIndex !== undefined) events.push(e.cached) })
    const changed = await engine.execute(perFile, { dir })
    expect(changed.tasks.sum.output).toBe(56)
    const calls = await lines(join(dir, 'calls.work'))
    expect(calls.slice(4)).toEqual([JSON.stringify({ value: 20 })])
    expect(await lines(join(dir, 'calls.sum'))).toHaveLength(2)
    expect(changed.tasks.work.map!.instances.map(i => i.cached === true)).toEqual([true, false, true, true])
    expect(events.sort()).toEqual([false, true, true, true])
  })

  // Caching in Settler.#failed too (an entry for the failed attempt) fails this test (checked).
  test('a failed task is not cached: the next run calls its handler again', slow, async () => {
    const dir = await dataDir([{ value: 5, failUntil: 'ok' }])
    const engine = startEngine({ retry: { maxAutoRetries: 0 } })
    await engine.publishWorkflow(perFile)
    const failed = await engine.execute(perFile, { dir })
    expect(failed.status).toBe('failed')
    await writeFile(join(dir, 'ok'), '')
    const fixed = await engine.execute(perFile, { dir })
    expect(fixed.status).toBe('success')
    expect(fixed.tasks.work.cached).toBeUndefined()
    expect(await lines(join(dir, 'calls.work'))).toHaveLength(2)
  })

  // Without the in-flight check in ResultCache.#answer and lookUp (every miss runs)
  // this test fails (checked): three calls instead of one.
  test('runs wanting the same key at once run it once: single flight', slow, async () => {
    const dir = await dataDir([{ value: 2, sleep: 300 }, { value: 2, sleep: 300 }])
    const engine = startEngine()
    await engine.publishWorkflow(perFile)
    const [a, b] = await Promise.all([engine.execute(perFile, { dir }), engine.execute(perFile, { dir })])
    expect([a.status, b.status]).toEqual(['success', 'success'])
    expect(await lines(join(dir, 'calls.work'))).toHaveLength(1)
    expect(a.tasks.work.output).toEqual([{ doubled: 4 }, { doubled: 4 }])
    expect(b.tasks.work.output).toEqual([{ doubled: 4 }, { doubled: 4 }])
    expect(engine.stats().cache).toMatchObject({ misses: 2, hits: 4 })
  })

  // Dropping the size check of keyOutput (worker/output-digest.ts) fails this test
  // (checked): the task succeeds, and its output is never cached.
  test('a cached output larger than the cache keeps fails its task once, clearly', slow, async () => {
    const dir = await dataDir([{ bytes: 4096 }])
    const engine = startEngine({ storage: new MemoryStorage({ maxCacheBytes: 1024 }) })
    await engine.publishWorkflow(perFile)
    const result = await engine.execute(perFile, { dir })
    const instance = result.tasks.work.map!.instances[0]
    expect(instance).toMatchObject({ status: 'failed', attempts: 1, error: { code: ErrorCodes.CACHE_VALUE_TOO_LARGE, retryable: false } })
    expect(instance.error!.message).toMatch(/4\d{3} bytes; its storage caches values of at most 1024 bytes/)
  })

  test('clearCache removes what is stored: the next run calls the handlers again', slow, async () => {
    const dir = await dataDir([{ value: 1 }])
    const engine = startEngine()
    await engine.publishWorkflow(perFile)
    await engine.execute(perFile, { dir })
    expect(await engine.clearCache({ workflowId: 'cached-per-file', taskId: 'sum' })).toBe(1)
    await engine.execute(perFile, { dir })
    expect(await lines(join(dir, 'calls.sum'))).toHaveLength(2)
    expect(await lines(join(dir, 'calls.work'))).toHaveLength(1)
    await expect(engine.clearCache({ workflow: 'x' } as never)).rejects.toThrow(/unknown option 'workflow' in clearCache\(\); did you mean 'workflowId'/)
  })
})
