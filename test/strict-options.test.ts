import { describe, expect, test } from 'vitest'
import pino from 'pino'
import { createWorkflow, Engine, InvalidOptionsError, MemoryStorage } from '../dist/index.js'
import { MySQLStorage } from '../dist/mysql.js'
import { sharedHandler, startEngine } from './helpers/engine.js'

/** The error a call threw or rejected with. */
async function refusal (call: () => unknown): Promise<InvalidOptionsError> {
  let caught: unknown
  try {
    await call()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(InvalidOptionsError)
  expect((caught as InvalidOptionsError).code).toBe('INVALID_OPTIONS')
  return caught as InvalidOptionsError
}

const quiet = pino({ level: 'silent' })
const noop = sharedHandler('noop')

// Each row: a typo in one options object, and the message it must give.
const typos: Array<[string, (engine: Engine) => unknown, RegExp]> = [
  ['new Engine()', () => new Engine({ thread: 4 } as never),
    /unknown option 'thread' in new Engine\(\); did you mean 'threads'\?/],
  ['addTask', () => createWorkflow('w').addTask('a', { handler: noop }).addTask('b', { handler: noop, depends: ['a'] } as never),
    /unknown option 'depends' in addTask\('b'\); did you mean 'dependsOn'\?/],
  ['the engine retry policy', () => new Engine({ logger: quiet, retry: { maxRetries: 1 } as never }),
    /unknown option 'maxRetries' in retry; did you mean 'maxAutoRetries'\?/],
  ['a task retry policy', () => createWorkflow('w').addTask('a', { handler: noop, retry: { nonRetriable: [] } as never }).build(),
    /unknown option 'nonRetriable' in task "a": retry; did you mean 'nonRetryable'\?/],
  ['tracer', () => new Engine({ logger: quiet, tracer: { batchsize: 10 } as never }),
    /unknown option 'batchsize' in tracer; did you mean 'batchSize'\?/],
  ['execute()', engine => engine.execute('w', {}, { timout: 5 } as never),
    /unknown option 'timout' in execute\(\); did you mean 'timeout'\?/],
  ['executeAsync()', engine => engine.executeAsync('w', {}, { signl: new AbortController().signal } as never),
    /unknown option 'signl' in executeAsync\(\); did you mean 'signal'\?/],
  ['publishWorkflow()', engine => engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: noop }).build(), { replaced: true } as never),
    /unknown option 'replaced' in publishWorkflow\(\); did you mean 'replace'\?/],
  ['manualRetry()', engine => engine.manualRetry('x', { mod: 'restart' } as never),
    /unknown option 'mod' in manualRetry\(\); did you mean 'mode'\?/],
  ['close()', engine => engine.close({ cancl: true } as never),
    /unknown option 'cancl' in close\(\); did you mean 'cancel'\?/],
  ['getExecutionLogs()', engine => engine.getExecutionLogs('x', { levl: 'info' } as never),
    /unknown option 'levl' in getExecutionLogs\(\); did you mean 'level'\?/],
  ['listExecutions()', engine => engine.listExecutions({ workflow: 'w' } as never),
    /unknown option 'workflow' in listExecutions\(\); did you mean 'workflowId'\?/],
  ['getFailedExecutions()', engine => engine.getFailedExecutions({ statuses: ['pending'] } as never),
    /unknown option 'statuses' in getFailedExecutions\(\); did you mean 'status'\?/],
  ['new MemoryStorage()', () => new MemoryStorage({ maxExecution: 5 } as never),
    /unknown option 'maxExecution' in new MemoryStorage\(\); did you mean 'maxExecutions'\?/],
  ['new MySQLStorage()', () => new MySQLStorage({ database: 'db', tablePrefx: 'a' } as never),
    /unknown option 'tablePrefx' in new MySQLStorage\(\); did you mean 'tablePrefix'\?/]
]

describe('strict options', () => {
  test.each(typos)('a typo in the options of %s is refused with the closest valid key', async (_, call, message) => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: noop }).build())
    const error = await refusal(() => call(engine))
    expect(error.message).toMatch(message)
  })

  test('a key far from every valid one lists the valid ones instead of guessing', async () => {
    const error = await refusal(() => new Engine({ logger: quiet, zzzzzzzz: 1 } as never))
    expect(error.message).toMatch(/unknown option 'zzzzzzzz' in new Engine\(\); known options: threads, maxConcurrency/)
  })

  test('a value of the wrong type is echoed with its type', async () => {
    expect((await refusal(() => new Engine({ threads: '4' as never }))).message)
      .toBe('threads must be a positive integer; got "4" (string)')
    expect((await refusal(() => createWorkflow('w').addTask('a', { handler: noop, timeout: '5s' as never }).build())).message)
      .toBe('task "a": timeout must be a positive number of ms; got "5s" (string)')
    expect((await refusal(() => new Engine({ logger: quiet, retry: { nonRetryable: 'TypeError' as never } }))).message)
      .toBe('retry.nonRetryable must be an array of error names or codes; got "TypeError" (string)')
    const engine = startEngine()
    expect((await refusal(() => engine.close({ cancel: 'yes' as never }))).message)
      .toBe('close(): cancel must be a boolean; got "yes" (string)')
  })

  test('the storage write retry delays have one name each, and are checked', async () => {
    expect((await refusal(() => new Engine({ logger: quiet, tracer: { retryDelay: 5 } as never }))).message)
      .toBe("unknown option 'retryDelay' in tracer; known options: batchSize, flushInterval, maxQueueSize, concurrency, writeRetryDelay, maxWriteRetryDelay, maxBufferedBytes")
    expect((await refusal(() => new Engine({ logger: quiet, tracer: { maxWriteRetryDelay: -1 } }))).message)
      .toBe('tracer.maxWriteRetryDelay must be a positive number of ms; got -1 (number)')
  })

  test('options that are not an object are refused, naming the call', async () => {
    expect((await refusal(() => new Engine(4 as never))).message).toBe('new Engine() options must be an object; got 4 (number)')
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: noop }).build())
    expect((await refusal(() => engine.execute('w', {}, [] as never))).message).toBe('execute() options must be an object; got [] (array)')
  })

  test('the documented options are all accepted', async () => {
    const engine = startEngine({ tracer: { batchSize: 10, flushInterval: 50, writeRetryDelay: 5, maxWriteRetryDelay: 20 }, retry: { nonRetryable: ['E_QUOTA'] } })
    await engine.publishWorkflow(createWorkflow('w')
      .addTask('a', { name: 'A', handler: noop, timeout: 1000, retry: { maxAutoRetries: 0 }, input: 1 })
      .addTask('b', { handler: noop, dependsOn: ['a'] })
      .build(), { replace: false })
    const result = await engine.execute('w', {}, { timeout: 10_000, signal: new AbortController().signal })
    expect(result.status).toBe('success')
  })
})

describe('options that take an object are checked by type', () => {
  test('a logger without the logging methods is refused, naming logger', () => {
    expect(() => new Engine({ logger: { level: 'error' } as never })).toThrow(/^logger must be a pino logger: its trace\(\) method is missing/)
  })

  test('a storage without the storage methods is refused, naming storage', () => {
    expect(() => new Engine({ storage: { kind: 'x' } as never })).toThrow(/^storage must be an ExecutionStorage: its init\(\) method is missing/)
  })

  // Without checkExecArgv and checkResourceLimits these reach new Piscina(), whose worker
  // threads fail later, away from the option.
  test('execArgv and resourceLimits are checked by type, naming the option', () => {
    expect(() => new Engine({ logger: quiet, execArgv: '--inspect' as never })).toThrow(/^execArgv must be an array of strings/)
    expect(() => new Engine({ logger: quiet, execArgv: ['--x', 1] as never })).toThrow(/^execArgv must be an array of strings/)
    expect(() => new Engine({ logger: quiet, resourceLimits: { maxOldGenerationSizeMB: 64 } as never }))
      .toThrow(/unknown option 'maxOldGenerationSizeMB'.*did you mean 'maxOldGenerationSizeMb'/)
    expect(() => new Engine({ logger: quiet, resourceLimits: { stackSizeMb: '4' } as never })).toThrow(/^resourceLimits.stackSizeMb must be a positive number of MB; got "4" \(string\)/)
  })
})

describe('times are a Date or epoch ms wherever one is taken', () => {
  // Without epochMs in checkExecutionQuery and checkCacheFilter, a Date reaches storage
  // as it is, and an invalid one is not refused.
  test('listExecutions and clearCache take a Date as its epoch ms, and refuse what is no time', async () => {
    const engine = new Engine({ logger: quiet, threads: 1 })
    try {
      await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: noop }).build())
      const { executionId } = await engine.execute('w')
      const now = Date.now()
      const ids = async (from: number | Date, to: number | Date): Promise<string[]> =>
        (await engine.listExecutions({ from, to })).map(r => r.executionId)
      expect(await ids(new Date(now - 60_000), new Date(now + 60_000))).toEqual([executionId])
      expect(await ids(new Date(now + 60_000), new Date(now + 120_000))).toEqual([])
      expect(await engine.clearCache({ before: new Date() })).toBe(0)
      await expect(engine.listExecutions({ from: new Date('not a date') })).rejects.toThrow(/^listExecutions\(\): from must be a Date or a time in epoch ms; got /)
      await expect(engine.clearCache({ before: '2026-01-01' as never })).rejects.toThrow(/^clearCache\(\): before must be a Date or a time in epoch ms; got "2026-01-01"/)
    } finally {
      await engine.close()
    }
  })
})
