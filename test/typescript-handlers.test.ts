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
    await engine.publishWorkflow(createWorkflow('quick-ts')
      .addTask('typed', { handler: subject('typed.ts'), input: { words: ['x'] }, timeout: 60, retry: { maxAutoRetries: 0 } })
      .build())
    const results = await Promise.all(Array.from({ length: 4 }, () => engine.execute('quick-ts', { prefix: '' })))
    expect(results.map(r => r.tasks.typed.error?.code ?? r.tasks.typed.output)).toEqual(['X', 'X', 'X', 'X'])
  })

  test('without typescript: true publishing a .ts handler fails with an error that names the option', slow, async () => {
    const engine = startEngine()
    const err = await engine.publishWorkflow(typed).then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(HandlerError)
    expect(err).toMatchObject({ code: 'HANDLER_NOT_FOUND' })
    expect((err as Error).message).toContain('typed.ts')
    expect((err as Error).message).toMatch(/typescript: true/)
  })
})
