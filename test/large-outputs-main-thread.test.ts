import v8 from 'node:v8'
import { describe, expect, test } from 'vitest'
import { createWorkflow, MemoryStorage, type Engine, type Workflow } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'

// Large outputs are serialised once, in the worker, into shared memory; the
// main thread keeps and forwards references and copies none of them. Counted, not timed.

const IMAGE = { width: 256, height: 256, seed: 5 }

async function imagePipeline (): Promise<Workflow> {
  const mod = await import(new URL('../workflows/image-pipeline/workflow.mjs', import.meta.url).href) as { default: Workflow }
  return mod.default
}

function copies (engine: Engine): number {
  return engine.stats().scheduler.largeValueCopies
}

describe('large outputs and the main thread', () => {
  test('with history on, the main thread copies no large output of the image pipeline', async () => {
    const storage = new MemoryStorage()
    const engine = startEngine({ storage })
    const workflow = await imagePipeline()
    await engine.publishWorkflow(workflow)
    const before = copies(engine)
    const first = await engine.execute(workflow.id, IMAGE)
    const second = await engine.execute(workflow.id, IMAGE)
    expect(copies(engine) - before).toBe(0)
    expect(first.status).toBe('success')
    expect(second.status).toBe('success')
    expect(engine.stats().scheduler.largeValueCopyBytes).toBe(0)
  })

  test('history keeps the very bytes the worker shared, and they decode to the whole output', async () => {
    const storage = new MemoryStorage()
    const engine = startEngine({ storage })
    const workflow = await imagePipeline()
    await engine.publishWorkflow(workflow)
    const result = await engine.execute(workflow.id, IMAGE)
    await engine.flush()
    const records = await storage.getTaskResults(result.executionId)
    const generate = records.find(r => r.taskId === 'generate')!
    // Held by reference: the shared buffer the worker wrote, not a copy made on this thread.
    expect(generate.output!.buffer).toBeInstanceOf(SharedArrayBuffer)
    const stored = v8.deserialize(generate.output!) as { width: number, pixels: Uint8ClampedArray }
    expect(stored.width).toBe(256)
    expect(stored.pixels.byteLength).toBe(256 * 256 * 4)
    const live = result.tasks.generate.output as { pixels: Uint8ClampedArray }
    expect(Buffer.from(live.pixels).equals(Buffer.from(stored.pixels))).toBe(true)
  })

  test('consumers of shared outputs compute what they compute from moved buffers', async () => {
    // storeOutputs off, no retries: nothing shared but what several consumers take.
    const kept = startEngine()
    const moved = startEngine({ storeOutputs: false, retry: { maxAutoRetries: 0 } })
    const workflow = await imagePipeline()
    await kept.publishWorkflow(workflow)
    await moved.publishWorkflow(workflow)
    const a = await kept.execute(workflow.id, IMAGE)
    const b = await moved.execute(workflow.id, IMAGE)
    const checksums = (r: typeof a): unknown => (r.tasks.merge.output as { checksums: unknown }).checksums
    expect(checksums(a)).toEqual(checksums(b))
  })

  test('with history on, a large output whose one consumer is never retried is not copied by the main thread', async () => {
    const engine = startEngine({ batchTargetMs: 0, retry: { maxAutoRetries: 0 } })
    const bytes = 128 * 1024
    await engine.publishWorkflow(createWorkflow('chain')
      .addTask('bytes', { handler: subject('buffer.mjs'), input: { bytes } })
      .addTask('sum', { handler: subject('buffer.mjs#sum'), dependsOn: ['bytes'], input: { from: 'bytes' } }).build())
    const before = copies(engine)
    const result = await engine.execute('chain')
    expect(copies(engine) - before).toBe(0)
    expect(result.tasks.sum.output).toBe((bytes / 256) * 32_640)
    // Kept whole for history although its consumer had it.
    expect((result.tasks.bytes.output as Uint8Array).byteLength).toBe(bytes)
  })

  test('with outputs not kept, a large output taken by three consumers is not copied by the main thread', async () => {
    const engine = startEngine({ storeOutputs: false, batchTargetMs: 0, retry: { maxAutoRetries: 0 } })
    const bytes = 128 * 1024
    const builder = createWorkflow('fan-out').addTask('bytes', { handler: subject('buffer.mjs'), input: { bytes } })
    for (const id of ['s1', 's2', 's3']) builder.addTask(id, { handler: subject('buffer.mjs#sum'), dependsOn: ['bytes'], input: { from: 'bytes' } })
    await engine.publishWorkflow(builder.build())
    const before = copies(engine)
    const result = await engine.execute('fan-out')
    expect(copies(engine) - before).toBe(0)
    const sum = (bytes / 256) * 32_640
    expect([result.tasks.s1.output, result.tasks.s2.output, result.tasks.s3.output]).toEqual([sum, sum, sum])
  })
})
