import { describe, expect, test } from 'vitest'
import { createWorkflow, type Engine, type TaskResult } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'

/** Runs `throws.mjs#name` once, with no automatic retry, and gives its task's result. */
async function runThrower (engine: Engine, name: string, params?: unknown): Promise<TaskResult> {
  const workflow = createWorkflow(name)
    .addTask('t', { handler: subject(`throws.mjs#${name}`), input: params, retry: { maxAutoRetries: 0 } })
    .build()
  await engine.publishWorkflow(workflow)
  return (await engine.execute(name)).tasks.t
}

// What each value reads as. Objects that cannot be turned into a string fall back to their
// tag, and values no code can look at (a revoked Proxy, one whose traps throw) to a sentence.
const kUnreadable = 'a thrown value that cannot be read (a revoked Proxy, or one whose traps throw)'
const kCases = [
  { what: 'throws an object with no prototype', name: 'nullPrototype', message: '[object Object]' },
  { what: 'throws an Error whose message, code and stack getters throw', name: 'throwingGetters', message: '[object Error]' },
  { what: 'throws a Proxy whose every trap throws', name: 'hostileProxy', message: kUnreadable },
  { what: 'throws a revoked Proxy', name: 'revokedProxy', message: kUnreadable },
  { what: 'throws a Symbol', name: 'symbol', message: 'Symbol(thrown symbol)' },
  { what: 'throws a BigInt', name: 'bigint', message: '12345678901234567890' },
  { what: 'throws undefined', name: 'nothing', message: 'undefined' },
  { what: 'throws an object whose toString throws', name: 'throwingToString', message: '[object Object]' },
  { what: 'throws a function whose toString throws', name: 'throwingFunction', message: '[object Function]' },
  { what: 'rejects with an object with no prototype', name: 'rejectsNullPrototype', message: '[object Object]' },
  { what: 'rejects with a revoked Proxy', name: 'rejectsRevokedProxy', message: kUnreadable }
]

describe('values a handler throws', () => {
  for (const { what, name, message } of kCases) {
    test(`a handler that ${what} fails its task with TASK_FAILED and keeps its worker`, async () => {
      const engine = startEngine({ threads: 1 })
      const task = await runThrower(engine, name)
      expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'TASK_FAILED', message } })
      expect(engine.stats().scheduler.workerRestarts).toBe(0)
    })
  }

  test('an error whose message cannot be read keeps its code and its retryable flag', async () => {
    const engine = startEngine({ threads: 1, retry: { maxAutoRetries: 3 } })
    await engine.publishWorkflow(createWorkflow('kept')
      .addTask('t', { handler: subject('throws.mjs#unreadableMessage') })
      .build())
    const task = (await engine.execute('kept')).tasks.t
    expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'E_KEPT', message: '[object Error]', retryable: false } })
    expect(engine.stats().scheduler.workerRestarts).toBe(0)
  })

  test('a message of many MB comes back as given, and the stack holds no second copy of it', { timeout: 30_000 }, async () => {
    const size = 16 << 20
    const engine = startEngine({ threads: 1 })
    const task = await runThrower(engine, 'hugeMessage', { size })
    const { message, stack } = task.error!
    expect(message.length).toBe(size)
    expect(message === 'm'.repeat(size)).toBe(true)
    // The frames are kept; only the copy of the message in the stack's first line is not.
    expect(stack!.length).toBeLessThan(64 << 10)
    expect(stack!.slice(0, 1000)).toMatch(/^Error: <the message, 16777216 characters>\n {4}at hugeMessage \(file:.*throws\.mjs:\d+:\d+\)/)
  })
})
