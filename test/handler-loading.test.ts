import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { createWorkflow, HandlerError, type Engine } from '../dist/index.js'
import { sharedHandler, startEngine, subject, tempDir } from './helpers/engine.js'
import { rejectionOf } from './helpers/capture.js'

const slow = { timeout: 30_000 }

/** The error publishing a one-task workflow on `handler` rejects with. */
async function publishError (engine: Engine, handler: URL | string): Promise<HandlerError> {
  const workflow = createWorkflow('loading').addTask('t', { handler }).build()
  return await rejectionOf(engine.publishWorkflow(workflow), HandlerError)
}

/** The path of a fixture, as a load error names it. */
function pathOf (file: string): string {
  return fileURLToPath(subject(file))
}

/** Publishes and runs a workflow on a shared handler: the engine still works. */
async function expectUsable (engine: Engine): Promise<void> {
  await engine.publishWorkflow(createWorkflow('fine').addTask('a', { handler: sharedHandler('echo'), input: 1 }).build())
  expect(await engine.execute('fine')).toMatchObject({ status: 'success', tasks: { a: { output: { deps: {}, params: 1 } } } })
}

describe('handler modules that fail to load', () => {
  test('a syntax error is HANDLER_LOAD_FAILED with its file, line and column', slow, async () => {
    const err = await publishError(startEngine(), subject('load-syntax-error.mjs'))
    expect(err.code).toBe('HANDLER_LOAD_FAILED')
    expect(err.message).toContain(`SyntaxError: Unexpected token ';' at ${pathOf('load-syntax-error.mjs')}:6:16`)
  })

  test('a syntax error in a module the handler imports names that module', slow, async () => {
    const err = await publishError(startEngine(), subject('load-imports-syntax-error.mjs'))
    expect(err.code).toBe('HANDLER_LOAD_FAILED')
    expect(err.message).toContain('load-imports-syntax-error.mjs')
    expect(err.message).toContain(`at ${pathOf('load-syntax-error.mjs')}:6:16`)
  })

  test('a throw at the top level is HANDLER_LOAD_FAILED with its file, line and column', slow, async () => {
    const err = await publishError(startEngine(), subject('load-throws.mjs'))
    expect(err.code).toBe('HANDLER_LOAD_FAILED')
    expect(err.message).toContain(`Error: top-level code failed at ${pathOf('load-throws.mjs')}:3:7`)
  })

  test('an import of a missing module is HANDLER_LOAD_FAILED naming the importing file, not HANDLER_NOT_FOUND', slow, async () => {
    const err = await publishError(startEngine(), subject('load-missing-import.mjs'))
    expect(err.code).toBe('HANDLER_LOAD_FAILED')
    expect(err.message).toContain('no-such-helper.mjs')
    expect(err.message).toContain(pathOf('load-missing-import.mjs'))
  })

  test('a module that ends its worker while it loads is HANDLER_LOAD_FAILED and the pool heals', slow, async () => {
    const engine = startEngine()
    const err = await publishError(engine, subject('load-exit.mjs'))
    expect(err.code).toBe('HANDLER_LOAD_FAILED')
    expect(err.message).toContain('load-exit.mjs')
    await expectUsable(engine)
  })

  test('a module that never finishes loading is HANDLER_LOAD_TIMEOUT, and the engine goes on', slow, async () => {
    const engine = startEngine({ handlerLoadTimeout: 1000 })
    const err = await publishError(engine, subject('load-never.mjs'))
    expect(err.code).toBe('HANDLER_LOAD_TIMEOUT')
    expect(err.message).toContain('load-never.mjs')
    expect(err.message).toContain('1000 ms')
    await expectUsable(engine)
  })

  test('the load time limit counts from when a worker starts on the module, not while the pool is busy', slow, async () => {
    const engine = startEngine({ threads: 1, handlerLoadTimeout: 300 })
    await engine.publishWorkflow(createWorkflow('busy').addTask('spin', { handler: sharedHandler('spin'), input: { us: 1_500_000 } }).build())
    const started = new Promise(resolve => engine.on('task.started', resolve))
    const busy = engine.execute('busy')
    await started
    // The only worker spins for longer than the limit: the publication waits for it, then loads in time.
    await expectUsable(engine)
    expect((await busy).status).toBe('success')
  })

  test('a module that fails to load at run time fails its task with HANDLER_LOAD_FAILED, not retried', slow, async () => {
    const gate = join(await tempDir(), 'open')
    await writeFile(gate, '')
    const handler = subject('load-gated.mjs')
    handler.searchParams.set('open', gate)
    // One thread: the worker that loaded the module at publish is crashed, and its
    // replacement loads the module again once the gate is gone.
    const engine = startEngine({ threads: 1 })
    await engine.publishWorkflow(createWorkflow('gated').addTask('t', { handler, retry: { maxAutoRetries: 2 } }).build())
    await engine.publishWorkflow(createWorkflow('crash').addTask('t', { handler: subject('exit.mjs'), retry: { maxAutoRetries: 0 } }).build())
    await rm(gate)
    expect((await engine.execute('crash')).tasks.t.error?.code).toBe('WORKER_CRASHED')
    const task = (await engine.execute('gated')).tasks.t
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'HANDLER_LOAD_FAILED', retryable: false } })
    expect(task.error?.message).toContain(`at ${pathOf('load-gated.mjs')}:5:`)
  })
})
