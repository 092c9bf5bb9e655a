import { describe, expect, test } from 'vitest'
import { createWorkflow } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'

const handler = (name: string): URL => subject(`late-deps.mjs#${name}`)

describe('a dependency read after its batch', () => {
  test('a handler that kept ctx.deps reads what the dependency returned, after other batches reused its memory', async () => {
    // One thread: `first` and `keep` run in one message, `keep` taking `first`'s output
    // where the worker wrote it. Tasks with a timeout go alone, so the others follow in
    // messages of their own through both of the thread's slots, writing outputs of the
    // same size where `first`'s was, before `read` reads the kept deps.
    const engine = startEngine({ threads: 1, batchTargetMs: 50 })
    await engine.publishWorkflow(createWorkflow('late-deps')
      .addTask('first', { handler: handler('produce'), input: { value: { v: 'aaaaaa' } } })
      .addTask('keep', { handler: handler('keep'), dependsOn: ['first'] })
      .addTask('other1', { handler: handler('produce'), dependsOn: ['keep'], input: { value: { v: 'zzzzzz' } }, timeout: 10_000 })
      .addTask('other2', { handler: handler('produce'), dependsOn: ['other1'], input: { value: { v: 'yyyyyy' } }, timeout: 10_000 })
      .addTask('read', { handler: handler('readKept'), dependsOn: ['other2'], input: { of: 'first' }, timeout: 10_000 })
      .build())
    // The first run measures the handlers; the second fuses `first` and `keep` (four
    // messages for five tasks), the case this test is about.
    expect((await engine.execute('late-deps')).tasks.read.output).toEqual({ v: 'aaaaaa' })
    const before = engine.stats().scheduler.batchesDispatched
    const result = await engine.execute('late-deps')
    expect(engine.stats().scheduler.batchesDispatched - before).toBe(4)
    expect(result.status).toBe('success')
    expect(result.tasks.read.output).toEqual({ v: 'aaaaaa' })
  })
})
