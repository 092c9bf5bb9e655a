import { describe, expect, test } from 'vitest'
import { createWorkflow } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'

const BYTES = 65_536
// byte i is i % 256: every full 256 bytes sum to 32640
const SUM = (BYTES / 256) * 32_640

const producer = { handler: subject('buffer.mjs'), input: { bytes: BYTES } }
const consumer = (from: string, handler = 'buffer.mjs#sum', input = {}): { handler: URL, dependsOn: string[], input: object } =>
  ({ handler: subject(handler), dependsOn: [from], input: { from, ...input } })

describe('data between tasks', () => {
  test('a large buffer is transferred to its single consumer and detached in the producer output', async () => {
    // batchTargetMs 0: every task travels in a message of its own, through the main thread.
    // storeOutputs off: no copy is kept, so what the consumer got was moved, not copied.
    const engine = startEngine({ batchTargetMs: 0, storeOutputs: false, retry: { maxAutoRetries: 0 } })
    await engine.publishWorkflow(createWorkflow('one').addTask('bytes', producer).addTask('sum', consumer('bytes')).build())
    const result = await engine.execute('one')
    expect(result.tasks.sum.output).toBe(SUM)
    const sent = result.tasks.bytes.output as Uint8Array
    expect(sent).toBeInstanceOf(Uint8Array)
    expect(sent.byteLength).toBe(0)
  })

  test('with outputs stored (the default) the producer output in the result stays whole after the transfer', async () => {
    const engine = startEngine({ batchTargetMs: 0 })
    await engine.publishWorkflow(createWorkflow('one').addTask('bytes', producer).addTask('sum', consumer('bytes')).build())
    const result = await engine.execute('one')
    expect(result.tasks.sum.output).toBe(SUM)
    const kept = result.tasks.bytes.output as Uint8Array
    expect(kept.byteLength).toBe(BYTES)
    expect(kept[257]).toBe(1)
  })

  test('two consumers of a large buffer both get all of it', async () => {
    const engine = startEngine({ batchTargetMs: 0 })
    await engine.publishWorkflow(createWorkflow('two')
      .addTask('bytes', producer).addTask('s1', consumer('bytes')).addTask('s2', consumer('bytes')).build())
    const result = await engine.execute('two')
    expect(result.tasks.s1.output).toBe(SUM)
    expect(result.tasks.s2.output).toBe(SUM)
  })

  test('a buffer without consumers stays whole in the result', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('alone').addTask('bytes', producer).build())
    const output = (await engine.execute('alone')).tasks.bytes.output as Uint8Array
    expect(output.byteLength).toBe(BYTES)
    expect(output[257]).toBe(1)
  })

  // batchTargetMs 50: once its handlers are measured, a producer and its first consumer
  // travel in one message, as they do with the defaults when handlers are quick enough.
  test('consumers get the full data run after run, however tasks are grouped into messages', async () => {
    const engine = startEngine({ batchTargetMs: 50 })
    await engine.publishWorkflow(createWorkflow('two')
      .addTask('bytes', producer).addTask('s1', consumer('bytes')).addTask('s2', consumer('bytes')).build())
    for (let run = 0; run < 5; run++) {
      const result = await engine.execute('two')
      expect([result.tasks.s1.output, result.tasks.s2.output]).toEqual([SUM, SUM])
    }
  })

  test('a consumer that changes its input in place does not change what another consumer gets', async () => {
    const engine = startEngine({ batchTargetMs: 50 })
    await engine.publishWorkflow(createWorkflow('in-place')
      .addTask('bytes', producer).addTask('zero', consumer('bytes', 'mutate.mjs')).addTask('sum', consumer('bytes')).build())
    for (let run = 0; run < 5; run++) {
      const result = await engine.execute('in-place')
      expect({ run, zero: result.tasks.zero.output, sum: result.tasks.sum.output }).toEqual({ run, zero: SUM, sum: SUM })
    }
  })

  test('a consumer retried after changing its input in place gets the original data again', async () => {
    const engine = startEngine({ batchTargetMs: 50 })
    await engine.publishWorkflow(createWorkflow('retry-in-place')
      .addTask('bytes', producer).addTask('zero', consumer('bytes', 'mutate.mjs', { succeedOn: 2 })).build())
    for (let run = 0; run < 5; run++) {
      const result = await engine.execute('retry-in-place')
      expect({ run, attempts: result.tasks.zero.attempts, output: result.tasks.zero.output }).toEqual({ run, attempts: 2, output: SUM })
    }
  })

  test('Map, Set, Date, BigInt and typed arrays round-trip as outputs and dependency values', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(createWorkflow('values').addTask('values', { handler: subject('values.mjs') }).build())
    await engine.publishWorkflow(createWorkflow('passed')
      .addTask('values', { handler: subject('values.mjs') })
      .addTask('copy', consumer('values', 'values.mjs#passOn'))
      .build())
    const large = new Float64Array(16_384).map((_, i) => i / 2)
    const expected = {
      map: new Map<string, unknown>([['a', 1], ['b', { nested: [2n] }]]),
      set: new Set(['x', 'y']),
      date: new Date('2024-02-29T12:34:56.789Z'),
      big: 2n ** 70n,
      small: new Int16Array([-1, 2, -3]),
      large,
      view: new DataView(new Uint8Array([2, 3]).buffer)
    }
    const direct = (await engine.execute('values')).tasks.values.output as typeof expected
    expect(direct).toEqual(expected)
    expect(direct.large).toBeInstanceOf(Float64Array)
    expect([direct.view.byteLength, direct.view.getUint8(0), direct.view.getUint8(1)]).toEqual([2, 2, 3])
    const copied = (await engine.execute('passed')).tasks.copy.output as typeof expected
    expect(copied).toEqual(expected)
    expect(copied.map).toBeInstanceOf(Map)
    expect(typeof copied.big).toBe('bigint')
  })
})
