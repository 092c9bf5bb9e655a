import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { createWorkflow, type TaskOptions, type Workflow, type WorkflowValidationError } from '../dist/index.js'
import { sharedHandler, startEngine } from './helpers/engine.js'

const noop = sharedHandler('noop')
const echo = sharedHandler('echo')

/** `total` tasks in layers of `width`, task j of a layer depending on j and j + 1 of the layer above. */
function layered (id: string, total: number, width: number): Workflow {
  const builder = createWorkflow(id)
  for (let i = 0; i < total; i++) {
    const layer = Math.floor(i / width)
    const j = i % width
    const dependsOn = layer === 0 ? [] : [`t${layer - 1}-${j}`, `t${layer - 1}-${(j + 1) % width}`]
    builder.addTask(`t${layer}-${j}`, { handler: noop, dependsOn })
  }
  return builder.build()
}

/** a <- b <- c, with `change` applied to the options of c. */
function small (change: Partial<TaskOptions> = {}): Workflow {
  return createWorkflow('small')
    .addTask('a', { handler: noop })
    .addTask('b', { handler: noop, dependsOn: ['a'] })
    .addTask('c', { handler: noop, dependsOn: ['a', 'b'], timeout: 1000, retry: { maxAutoRetries: 1, retryDelay: 10 }, input: { n: 1 }, ...change })
    .build()
}

describe('large workflows and the definition hash', () => {
  test('a large layered workflow has one stage per layer and a critical path through all of them', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(layered('layers', 20_000, 32))
    const plan = engine.getExecutionPlan('layers')
    const layers = Math.ceil(20_000 / 32)
    expect(plan.totalTasks).toBe(20_000)
    expect(plan.stages).toHaveLength(layers)
    expect(plan.stages[0]).toEqual(Array.from({ length: 32 }, (_, j) => `t0-${j}`))
    expect(plan.stages.at(-1)).toHaveLength(20_000 - (layers - 1) * 32)
    expect(plan.maxParallelism).toBe(32)
    expect(plan.criticalPath).toHaveLength(layers)
    expect(plan.criticalPath.map(id => id.split('-')[0])).toEqual(Array.from({ length: layers }, (_, l) => `t${l}`))
  })

  test('a cycle closing at the end of a long chain is reported with its path', () => {
    const builder = createWorkflow('long-cycle').addTask('s0', { handler: noop, dependsOn: ['s4999'] })
    for (let i = 1; i < 5000; i++) builder.addTask(`s${i}`, { handler: noop, dependsOn: [`s${i - 1}`] })
    let err: WorkflowValidationError | undefined
    try { builder.build() } catch (e) { err = e as WorkflowValidationError }
    expect(err?.code).toBe('CYCLE')
    expect(err?.path).toHaveLength(5001)
    expect(err?.path?.[0]).toBe(err?.path?.[5000])
    expect(err?.message).toBe(`workflow "long-cycle" has a cycle: ${err?.path?.join(' -> ')}`)
  })

  test('a definition that differs in a handler, a dependency, a timeout, a retry policy or an input needs replace', async () => {
    const engine = startEngine()
    const changes: Array<Partial<TaskOptions>> = [
      { handler: echo }, { dependsOn: ['a'] }, { timeout: 2000 }, { retry: { maxAutoRetries: 2, retryDelay: 10 } }, { input: { n: 2 } }
    ]
    for (const change of changes) {
      await engine.publishWorkflow(small(), { replace: true })
      await expect(engine.publishWorkflow(small(change))).rejects.toMatchObject({ code: 'WORKFLOW_EXISTS' })
    }
  })

  test('the order of dependsOn and of retry policy keys leaves the definition the same', async () => {
    const engine = startEngine()
    await engine.publishWorkflow(small())
    // Published again without replace: a different hash would reject with WORKFLOW_EXISTS.
    await expect(engine.publishWorkflow(small({ dependsOn: ['b', 'a'], retry: { retryDelay: 10, maxAutoRetries: 1 } }))).resolves.toBeUndefined()
    await expect(engine.publishWorkflow(small({ dependsOn: ['b'] }))).rejects.toMatchObject({ code: 'WORKFLOW_EXISTS' })
  })

  test('a builder used again after build() leaves the built workflow as it was', async () => {
    const engine = startEngine()
    const builder = createWorkflow('again').addTask('a', { handler: noop })
    const first = builder.build()
    const second = builder.addTask('b', { handler: noop }).addDependency('b', 'a').build()
    expect(first.tasks.map(t => [t.id, t.dependsOn])).toEqual([['a', []]])
    expect(second.tasks.map(t => [t.id, t.dependsOn])).toEqual([['a', ['b']], ['b', []]])
    await engine.publishWorkflow(first)
    expect(engine.getExecutionPlan('again').stages).toEqual([['a']])
    await engine.publishWorkflow(second, { replace: true })
    expect(engine.getExecutionPlan('again').stages).toEqual([['b'], ['a']])
  })

  test('the definition hash of a workflow is the same in another process', { timeout: 30_000 }, async () => {
    // Each process builds the workflow, runs it and prints the hash its execution record holds.
    const script = `
      import { Engine, MemoryStorage, createWorkflow } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}
      const storage = new MemoryStorage()
      const engine = new Engine({ threads: 1, storage })
      const builder = createWorkflow('portable')
      for (let i = 0; i < 3000; i++) {
        builder.addTask('t' + i, { handler: ${JSON.stringify(noop.href)}, dependsOn: i < 2 ? [] : ['t' + (i - 1), 't' + (i - 2)], timeout: 5000 + i, input: { i } })
      }
      await engine.publishWorkflow(builder.build())
      const { executionId } = await engine.execute('portable')
      await engine.close()
      console.log((await storage.getExecution(executionId)).definitionHash)`
    const run = async (): Promise<string> =>
      (await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script])).stdout.trim()
    const [one, two] = await Promise.all([run(), run()])
    expect(one).toMatch(/^[0-9a-f]{64}$/)
    expect(two).toBe(one)
  })
})
