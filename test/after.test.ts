import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { createWorkflow, ErrorCodes } from '../dist/index.js'
import { lines, startEngine, subject, tempDir } from './helpers/engine.js'

const h = (name: string): URL => subject(`ordering.mjs#${name}`)

describe('ordering-only dependencies (after)', () => {
  // Handing the worker every dependency (depStart rather than dataStart in batch-encoder)
  // fails this test: ctx.deps then holds gate.
  test('a task runs after what it waits for, and ctx.deps holds only the outputs it takes', async () => {
    const dir = await tempDir()
    const workflow = createWorkflow('after-deps')
      .addTask('gate', { handler: h('gate') })
      .addTask('data', { handler: h('data') })
      .addTask('merge', { handler: h('keys'), dependsOn: ['data'], after: ['gate'] })
      .build()
    const engine = startEngine({ threads: 2 })
    await engine.publishWorkflow(workflow)
    const result = await engine.execute(workflow, { dir })
    expect(result.status).toBe('success')
    expect(result.tasks.merge.output).toEqual(['data'])
    const order = await lines(join(dir, 'order.txt'))
    expect(order.indexOf('merge')).toBeGreaterThan(order.indexOf('gate'))
    expect(engine.getExecutionPlan('after-deps').stages).toEqual([['gate', 'data'], ['merge']])
  })

  // Fusing a task that has `after` (the guard in Batcher.take) fails this test: on one
  // thread the gate and its follower go in one batch, and the worker, which skips a fused
  // task by the outputs it takes, runs the follower after the failed gate.
  test('a failed gate skips what waits for it, in the same batch too', async () => {
    const dir = await tempDir()
    const workflow = createWorkflow('after-fail')
      .addTask('gate', { handler: h('gate'), input: { failUntil: 'open' }, retry: { maxAutoRetries: 0 } })
      .addTask('after', { handler: h('keys'), after: ['gate'] })
      .build()
    const engine = startEngine({ threads: 1 })
    await engine.publishWorkflow(workflow)
    for (let run = 0; run < 3; run++) {
      const result = await engine.execute(workflow, { dir })
      expect(result.status).toBe('failed')
      expect(result.tasks.after.status).toBe('skipped')
    }
    expect(await lines(join(dir, 'order.txt'))).toEqual(['gate', 'gate', 'gate'])
    await writeFile(join(dir, 'open'), '')
    const opened = await engine.execute(workflow, { dir })
    expect(opened.tasks.after).toMatchObject({ status: 'success', output: [] })
  })

  // Making the key of every dependency (depStart rather than dataStart in cache-keys)
  // fails this test: the gate's output changes on every run, so the key would too.
  test('what a cached task only waits for is not part of its key', async () => {
    const dir = await tempDir()
    const workflow = createWorkflow('after-cached')
      .addTask('gate', { handler: h('gate') })
      .addTask('merge', { handler: h('keys'), after: ['gate'], cache: true })
      .build()
    const engine = startEngine()
    await engine.publishWorkflow(workflow)
    const first = await engine.execute(workflow, { dir })
    const second = await engine.execute(workflow, { dir })
    expect([first.tasks.gate.output, second.tasks.gate.output]).toEqual([1, 2])
    expect(second.tasks.merge).toMatchObject({ status: 'success', cached: true, output: [] })
    expect((await lines(join(dir, 'order.txt'))).filter(l => l === 'merge')).toHaveLength(1)
  })

  // Dropping dataStart from definitionHash (or sorting a task's links as one list) fails
  // this test: the two definitions below would hash the same.
  test('waiting for a task and taking its output are different definitions', async () => {
    const engine = startEngine({ threads: 1 })
    // one workflow id, each definition replacing the last
    const hashOf = async (options: { dependsOn?: string[], after?: string[] }): Promise<string> => {
      await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: h('data') }).addTask('b', { handler: h('data') })
        .addTask('c', { handler: h('keys'), ...options }).build(), { replace: true })
      return engine.getExecutionPlan('w').definitionHash
    }
    const hashes = [
      await hashOf({ dependsOn: ['a'] }), await hashOf({ after: ['a'] }),
      await hashOf({ dependsOn: ['a'], after: ['b'] }), await hashOf({ dependsOn: ['b'], after: ['a'] }),
      await hashOf({ after: ['b', 'a'] }), await hashOf({ after: ['a', 'b'] })
    ]
    // the last two are one definition: the order of a task's dependencies changes nothing
    expect(new Set(hashes).size).toBe(5)
    expect(hashes[4]).toBe(hashes[5])
  })

  test('after is checked where it is written, and at build()', () => {
    const base = () => createWorkflow('w').addTask('gate', { handler: h('gate') })
    expect(() => base().addTask('x', { handler: h('keys'), after: 'gate' as unknown as string[] }))
      .toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTIONS, message: expect.stringContaining('after must be an array of task ids') }))
    expect(() => base().addTask('x', { handler: h('keys'), dependsOn: ['gate'], after: ['gate'] }))
      .toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTIONS, message: expect.stringContaining('both in dependsOn and after') }))
    expect(() => base().addTask('x', { handler: h('keys'), map: 'gate', after: ['gate'] }))
      .toThrow(expect.objectContaining({ code: ErrorCodes.INVALID_OPTIONS, message: expect.stringContaining('both in after and its map') }))
    expect(() => base().addTask('x', { handler: h('keys'), after: ['gat'] }).build())
      .toThrow(expect.objectContaining({ code: ErrorCodes.UNKNOWN_DEPENDENCY, message: expect.stringContaining('waits (after) for unknown task "gat"; did you mean "gate"?') }))
    expect(() => createWorkflow('w').addTask('a', { handler: h('gate'), after: ['b'] }).addTask('b', { handler: h('gate'), dependsOn: ['a'] }).build())
      .toThrow(expect.objectContaining({ code: ErrorCodes.CYCLE }))
  })

  test('addDependency turns a wait into a data dependency', async () => {
    const dir = await tempDir()
    const workflow = createWorkflow('after-promoted')
      .addTask('gate', { handler: h('gate') })
      .addTask('merge', { handler: h('keys'), after: ['gate'] })
      .addDependency('gate', 'merge')
      .build()
    expect(workflow.tasks[1]).toMatchObject({ dependsOn: ['gate'] })
    expect(workflow.tasks[1].after).toBeUndefined()
    const engine = startEngine({ threads: 1 })
    await engine.publishWorkflow(workflow)
    expect((await engine.execute(workflow, { dir })).tasks.merge.output).toEqual(['gate'])
  })
})
