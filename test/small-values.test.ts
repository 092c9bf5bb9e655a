import v8 from 'node:v8'
import { describe, expect, test } from 'vitest'
import { createWorkflow, type Engine, type EngineOptions } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
// The fixture, imported here too: each call builds the values afresh, as the handler does.
import { kinds } from '../workflows/test-subjects/small-values.mjs'

const db = useTestDatabase()
const handler = (name: string): URL => subject(`small-values.mjs#${name}`)

// One thread: a producer and its dependents travel in one message and values pass within
// the worker. batchTargetMs 0 with two threads: every task in a message of its own, each
// value through the main thread and, for a dependent, to whichever thread runs it.
const inOneBatch: EngineOptions = { threads: 1, batchTargetMs: 50 }
const acrossThreads: EngineOptions = { threads: 2, batchTargetMs: 0 }

type Kinds = ReturnType<typeof kinds>

/**
 * The values as V8's serialiser alone carries them (an object without a prototype comes
 * back a plain one), then what toStrictEqual leaves out: -0, holes, an own __proto__,
 * shared and cyclic references.
 */
function expectExact (actual: Kinds): void {
  const expected = v8.deserialize(v8.serialize(kinds()))
  expect(actual).toStrictEqual(expected)
  expect(Object.is(actual.negZero, -0)).toBe(true)
  expect(Object.is(actual.nested.a[0].b[0].c[0], -0)).toBe(true)
  expect(Number.isNaN(actual.nan)).toBe(true)
  expect([0 in actual.sparse, 1 in actual.sparse, 2 in actual.sparse, actual.holes.length, 0 in actual.holes]).toEqual([true, false, true, 3, false])
  expect(Object.keys(actual.undefinedVsNull[2])).toEqual(['u', 'n'])
  expect([(actual.extra as unknown as { label: string }).label, actual.extra.length]).toEqual(['named', 2])
  expect(Object.getOwnPropertyNames(actual.ownProto)).toEqual(['__proto__', 'x'])
  expect((actual.ownProto as { polluted?: boolean }).polluted).toBeUndefined()
  expect(actual.shared[0]).toBe(actual.shared[1])
  expect(actual.cyclic.self).toBe(actual.cyclic)
  expect(Object.keys(actual.numericKeys)).toEqual(['0', '2', 'name'])
}

const kindNames = Object.keys(kinds())

// Every kind at once (one value, V8's serialiser), and each kind alone (most of them small
// values, written and read in plain JavaScript); each with a dependent that returns it.
async function publishKinds (engine: Engine): Promise<void> {
  const builder = createWorkflow('kinds')
    .addTask('all', { handler: handler('kinds') })
    .addTask('all-copy', { handler: handler('passOn'), dependsOn: ['all'], input: { from: 'all' } })
  for (const kind of kindNames) {
    builder.addTask(kind, { handler: handler('kind'), input: { kind } })
    builder.addTask(`${kind}-copy`, { handler: handler('passOn'), dependsOn: [kind], input: { from: kind } })
  }
  await engine.publishWorkflow(builder.build())
}

/** Each check of {@link expectExact} on every kind at once, and on each kind alone. */
function expectAllExact (tasks: Record<string, { output?: unknown }>, suffix = ''): void {
  expectExact(tasks[`all${suffix}`].output as Kinds)
  expectExact(Object.fromEntries(kindNames.map(k => [k, tasks[`${k}${suffix}`].output])) as Kinds)
}

describe('values of every kind round-trip exactly', () => {
  for (const [name, options] of [['in one batch', inOneBatch], ['across threads', acrossThreads]] as const) {
    test(`into history in memory and to a dependent ${name}`, async () => {
      const engine = startEngine(options)
      await publishKinds(engine)
      const result = await engine.execute('kinds')
      expect(result.status).toBe('success')
      expectAllExact(result.tasks)
      expectAllExact(result.tasks, '-copy')
      expectAllExact((await engine.getExecutionResult(result.executionId))!.tasks, '-copy')
    })
  }

  test('into history in MySQL, read back by another engine', async () => {
    const first = startEngine({ ...inOneBatch, storage: db.storage() })
    await publishKinds(first)
    const { executionId, status } = await first.execute('kinds')
    expect(status).toBe('success')
    await first.close()
    const second = startEngine({ storage: db.storage() })
    const stored = (await second.getExecutionResult(executionId))!
    expectAllExact(stored.tasks)
    expectAllExact(stored.tasks, '-copy')
  })
})

describe('a handler that changes its input in place changes what no other task sees', () => {
  for (const [name, options] of [['in one batch', inOneBatch], ['across threads', acrossThreads]] as const) {
    test(`a sibling, a dependent and the producer's result keep the original, ${name}`, async () => {
      const engine = startEngine(options)
      // small ─┬─ mutate   changes it, then returns it
      //        ├─ sibling  reads it after mutate ran
      //        └─ after ── reads small's output after sibling ran
      await engine.publishWorkflow(createWorkflow('isolation')
        .addTask('small', { handler: handler('small') })
        .addTask('mutate', { handler: handler('mutate'), dependsOn: ['small'], input: { from: 'small' } })
        .addTask('sibling', { handler: handler('passOn'), dependsOn: ['small', 'mutate'], input: { from: 'small' } })
        .addTask('after', { handler: handler('passOn'), dependsOn: ['small', 'sibling'], input: { from: 'small' } })
        .build())
      const original = { n: 1, list: [1, 2] }
      // The first run measures the handlers; later ones are batched by what was measured.
      for (let run = 0; run < 3; run++) {
        const before = engine.stats().scheduler.batchesDispatched
        const result = await engine.execute('isolation')
        expect(result.status).toBe('success')
        expect(result.tasks.mutate.output).toEqual({ n: 99, list: [1, 2, 3] })
        expect(result.tasks.sibling.output).toEqual(original)
        expect(result.tasks.after.output).toEqual(original)
        expect(result.tasks.small.output).toEqual(original)
        if (run === 2) expect(engine.stats().scheduler.batchesDispatched - before).toBe(options === inOneBatch ? 1 : 4)
      }
    })
  }
})

describe('a dependency is decoded when its handler reads it, not before', () => {
  for (const [name, options] of [['in one batch', inOneBatch], ['across threads', acrossThreads]] as const) {
    test(`reading one of two dependencies decodes that one alone, ${name}`, async () => {
      const engine = startEngine(options)
      await engine.publishWorkflow(createWorkflow('lazy')
        .addTask('a', { handler: handler('small') })
        .addTask('b', { handler: handler('small') })
        .addTask('reader', { handler: handler('readOne'), dependsOn: ['a', 'b'], input: { read: 'a' } })
        .build())
      const result = await engine.execute('lazy')
      expect(result.status).toBe('success')
      // One decode for `a`, none for `b`, none for listing the keys.
      expect(result.tasks.reader.output).toEqual({ value: { n: 1, list: [1, 2] }, read: 1, listing: 0, keys: ['a', 'b'] })
    })
  }
})
