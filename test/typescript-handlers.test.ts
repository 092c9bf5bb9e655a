import { describe, expect, test } from 'vitest'
import { createWorkflow, HandlerError } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'

const slow = { timeout: 30_000 }

const typed = createWorkflow('typed')
  .addTask('typed', { handler: subject('typed.ts'), input: { words: ['type', 'script'] } })
  .addTask('shout', { handler: subject('typed.ts#shout'), dependsOn: ['typed'] })
  .addTask('plain', { handler: sharedHandler('echo'), input: 'mjs' })
  .build()

describe('TypeScript handlers', () => {
  test('with typescript: true a .ts handler runs with no build step', slow, async () => {
    const engine = startEngine({ typescript: true })
    await engine.publishWorkflow(typed)
    const result = await engine.execute('typed', { prefix: '> ', text: 'hey' })
    expect(result.status).toBe('success')
    expect(result.tasks.typed.output).toBe('> TYPE SCRIPT')
    expect(result.tasks.shout.output).toBe('hey!!!')
    expect(result.tasks.plain.output).toEqual({ deps: {}, params: 'mjs' })
  })

  test('TypeScript handlers run on every thread of the pool', slow, async () => {
    const engine = startEngine({ typescript: true, threads: 2 })
    await engine.publishWorkflow(typed)
    const results = await Promise.all(Array.from({ length: 6 }, () => engine.execute('typed', { prefix: '', text: '' })))
    for (const result of results) expect(result.tasks.typed.output).toBe('TYPE SCRIPT')
  })

  test('loading a TypeScript handler does not count against its task timeout', slow, async () => {
    const engine = startEngine({ typescript: true, threads: 2 })
    // Published (so loaded) on one thread; the other loads it, through tsx, at its first run.
    const quick = { handler: subject('typed.ts#where'), timeout: 60, retry: { maxAutoRetries: 0 } }
    await engine.publishWorkflow(createWorkflow('quick-ts').addTask('a', quick).addTask('b', quick).build())
    // Two independent tasks go to the two idle threads; run until both threads have run the
    // handler, so the test cannot pass with every run on the thread that loaded it at publish.
    const threads = new Set<number>()
    const errors: unknown[] = []
    await expect.poll(async () => {
      const result = await engine.execute('quick-ts')
      for (const task of Object.values(result.tasks)) {
        if (task.error !== undefined) errors.push(task.error)
        else threads.add((task.output as { threadId: number }).threadId)
      }
      return threads.size
    }, { timeout: 20_000, interval: 1 }).toBe(2)
    expect(errors).toEqual([])
  })

  test('without typescript: true publishing a .ts handler fails with an error that names the option', slow, async () => {
    const engine = startEngine()
    const rejected = engine.publishWorkflow(typed)
    await expect(rejected).rejects.toBeInstanceOf(HandlerError)
    await expect(rejected).rejects.toMatchObject({ code: 'HANDLER_NOT_FOUND', message: expect.stringMatching(/typed\.ts.*typescript: true|typescript: true.*typed\.ts/s) })
  })
})
