import { describe, expect, test } from 'vitest'
import type { Workflow } from '../dist/index.js'
import { startEngine } from './helpers/engine.js'

const slow = { timeout: 60_000 }

/** The built workflow a workflows/<name>/workflow.mjs module exports. */
async function example (name: string): Promise<Workflow> {
  const mod = await import(new URL(`../workflows/${name}/workflow.mjs`, import.meta.url).href) as { default: Workflow }
  return mod.default
}

describe('example workflows', () => {
  test('image-pipeline runs to success and returns its summary', slow, async () => {
    const engine = startEngine()
    const workflow = await example('image-pipeline')
    await engine.publishWorkflow(workflow)
    const input = { width: 96, height: 64, seed: 7 }
    const result = await engine.execute('image-pipeline', input)
    expect(result.status).toBe('success')
    for (const task of Object.values(result.tasks)) expect(task).toMatchObject({ status: 'success', attempts: 1 })
    const summary = result.tasks.merge.output as { width: number, height: number, histogram: number[], checksums: Record<string, string> }
    expect(summary).toMatchObject({ width: 96, height: 64 })
    expect(summary.histogram.reduce((a, b) => a + b, 0)).toBe(96 * 64)
    expect(Object.keys(summary.checksums).sort()).toEqual(['blur', 'denoise', 'edges', 'equalize', 'grayscale', 'thumbnail'])
    // deterministic: the same input gives the same pixels
    const again = await engine.execute('image-pipeline', input)
    expect((again.tasks.merge.output as typeof summary).checksums).toEqual(summary.checksums)
  })

  test('text-analytics runs to success and returns its report', slow, async () => {
    const engine = startEngine()
    await engine.publishWorkflow(await example('text-analytics'))
    const input = { documents: 120, wordsPerDoc: 40, vocabulary: 800, seed: 3 }
    const result = await engine.execute('text-analytics', input)
    expect(result.status).toBe('success')
    expect(Object.keys(result.tasks)).toHaveLength(9)
    const report = result.tasks.report.output as { documents: number, totalTokens: number, topTerms: unknown[], topTfidf: unknown[], checksum: unknown }
    expect(report.documents).toBe(120)
    expect(report.totalTokens).toBeGreaterThan(0)
    expect(report.topTerms.length).toBeGreaterThan(0)
    expect(report.topTfidf.length).toBeGreaterThan(0)
    const again = await engine.execute('text-analytics', input)
    expect((again.tasks.report.output as typeof report).checksum).toEqual(report.checksum)
  })

  test('the chain and fanout benchmark workflows run to success', slow, async () => {
    const engine = startEngine()
    for (const name of ['chain', 'fanout']) {
      const workflow = await example(name)
      await engine.publishWorkflow(workflow)
      const result = await engine.execute(workflow.id)
      expect({ name, status: result.status }).toEqual({ name, status: 'success' })
    }
  })
})
