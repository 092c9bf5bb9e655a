import { utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { createWorkflow, MemoryStorage, type TaskCacheOptions } from '../dist/index.js'
import { lines, startEngine, tempDir } from './helpers/engine.js'

const slow = { timeout: 30_000 }

// A handler module written for the test, so that it can be rewritten between runs.
async function handlerFile (dir: string, returns: string): Promise<string> {
  const file = join(dir, 'handler.mjs')
  await writeFile(file, `import { appendFileSync } from 'node:fs'
export default function (input, ctx) {
  appendFileSync(${JSON.stringify(join(dir, 'calls'))}, 'ran\\n')
  return ${JSON.stringify(returns)} + ':' + input.n + ':' + (ctx.params?.p ?? '')
}
`)
  return file
}

function workflow (file: string, cache: TaskCacheOptions | true = true, params?: unknown) {
  return createWorkflow('keyed')
    .addTask('a', { handler: pathToFileURL(file), cache, ...(params === undefined ? {} : { input: params }) })
    .build()
}

// Workers keep the modules they imported: a rewritten handler runs in a new engine, on the same storage.
async function runOnce (storage: MemoryStorage, wf: ReturnType<typeof workflow>, input: unknown) {
  const engine = startEngine({ storage })
  await engine.publishWorkflow(wf)
  const result = await engine.execute(wf, input)
  await engine.close()
  return result
}

describe('what a cache key sees', () => {
  // Hashing the handler's path instead of its content (taskIdentities in
  // handler-identity.ts) fails this test (checked): the rewritten handler hits.
  test('a changed handler file misses; a touched but unchanged one hits', slow, async () => {
    const dir = await tempDir()
    const storage = new MemoryStorage()
    const file = await handlerFile(dir, 'v1')
    expect((await runOnce(storage, workflow(file), { n: 1 })).tasks.a.output).toBe('v1:1:')
    await utimes(file, new Date(), new Date(Date.now() + 5000))
    expect((await runOnce(storage, workflow(file), { n: 1 })).tasks.a).toMatchObject({ output: 'v1:1:', cached: true })
    await handlerFile(dir, 'v2')
    const changed = await runOnce(storage, workflow(file), { n: 1 })
    expect(changed.tasks.a.output).toBe('v2:1:')
    expect(changed.tasks.a.cached).toBeUndefined()
    expect(await lines(join(dir, 'calls'))).toHaveLength(2)
  })

  // Leaving the execution input's digest out of CacheKeys.keyOf fails this test (checked).
  test('a bumped version, other params or another input miss; an expired ttl misses', slow, async () => {
    const dir = await tempDir()
    const file = await handlerFile(dir, 'v1')
    const engine = startEngine()
    const run = async (wf: ReturnType<typeof workflow>, n: number) => {
      await engine.publishWorkflow(wf, { replace: true })
      return (await engine.execute(wf, { n })).tasks.a
    }
    await run(workflow(file, { version: '1' }), 1)
    expect((await run(workflow(file, { version: '1' }), 1)).cached).toBe(true)
    expect((await run(workflow(file, { version: '2' }), 1)).cached).toBeUndefined()
    expect((await run(workflow(file, { version: '2' }), 2)).cached).toBeUndefined()
    expect((await run(workflow(file, { version: '2' }, { p: 'x' }), 2))).toMatchObject({ output: 'v1:2:x' })
    expect((await run(workflow(file, { version: '2' }, { p: 'x' }), 2)).cached).toBe(true)
    await run(workflow(file, { ttl: 20 }), 3)
    await new Promise(resolve => setTimeout(resolve, 40))
    expect((await run(workflow(file, { ttl: 20 }), 3)).cached).toBeUndefined()
    expect(await lines(join(dir, 'calls'))).toHaveLength(6)
  })

  test('cache options are checked, naming what is wrong', () => {
    const build = (cache: unknown) => createWorkflow('w').addTask('a', { handler: '/x.mjs', cache: cache as true })
    expect(() => build({ ttl: -1 })).toThrow(/task "a": cache.ttl must be a non-negative number of ms/)
    expect(() => build({ versoin: '1' })).toThrow(/unknown option 'versoin' in addTask\('a'\).cache; did you mean 'version'/)
    expect(() => build('yes')).toThrow(/task "a": cache must be true or \{ version, ttl \}/)
  })
})
