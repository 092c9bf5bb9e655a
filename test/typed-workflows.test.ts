import { describe, expect, expectTypeOf, test } from 'vitest'
import { createWorkflow, handlerModule, type ExecutionResult, type HandlerContext } from '../dist/index.js'
import { defineHandler } from '../dist/handler.js'
import { startEngine, subject } from './helpers/engine.js'
// Types only: `typeof import` loads nothing; the workers load the module by its URL.
type Handlers = typeof import('../workflows/test-subjects/typed-handlers.mjs')
interface Size { width: number, height: number }

const h = handlerModule<Handlers>(subject('typed-handlers.mts'))

const sizes = createWorkflow('sizes')
  .addTask('load', { handler: h.load, input: { scale: 2 } })
  .addTask('area', { handler: h.area, dependsOn: ['load'] })
  .addTask('summary', { handler: h.summary, dependsOn: ['load', 'area'] })
  .addTask('done', { handler: h.default, dependsOn: ['summary'] })
  .build()

describe('typed workflows', () => {
  test('a typed reference is the module URL with #export, and runs like any handler', async () => {
    expect(h.area).toBe(subject('typed-handlers.mts').href + '#area')
    expect(h.default).toBe(subject('typed-handlers.mts').href)
    const engine = startEngine({ typescript: true })
    await engine.publishWorkflow(sizes)
    const result = await engine.execute(sizes, { width: 3, height: 4 })
    expect(result.status).toBe('success')
    expect(result.tasks.area.output).toBe(48)
    expect(result.tasks.summary.output).toEqual({ text: '6x8 = 48' })
  })

  test('outputs are typed from the handlers\' return types, and so is the input', () => {
    expectTypeOf<Awaited<ReturnType<typeof run>>>().toEqualTypeOf<ExecutionResult<{ load: Size, area: number, summary: { text: string }, done: boolean }>>()
    async function run (engine: ReturnType<typeof startEngine>) {
      const result = await engine.execute(sizes, { width: 1, height: 1 })
      expectTypeOf(result.tasks.load.output).toEqualTypeOf<Size | undefined>()
      expectTypeOf(result.tasks.area.output).toEqualTypeOf<number | undefined>()
      // @ts-expect-error an unknown task id does not compile
      void result.tasks.nope
      // @ts-expect-error the input must fit what the handlers take
      await engine.execute(sizes, { width: 1 })
      // @ts-expect-error the input is required when a handler needs one
      await engine.execute(sizes)
      // By id, nothing is known: any id, unknown outputs.
      const untyped = await engine.execute('sizes')
      expectTypeOf(untyped.tasks.anything.output).toEqualTypeOf<unknown>()
      return result
    }
  })

  test('dependsOn must match the deps a handler declares, with outputs of the declared types', () => {
    const base = createWorkflow('w').addTask('load', { handler: h.load, input: { scale: 1 } })
    // @ts-expect-error area does not declare ctx.deps.done
    base.addTask('area', { handler: h.area, dependsOn: ['load', 'done'] })
    // @ts-expect-error summary declares ctx.deps.area, which is not wired
    base.addTask('summary', { handler: h.summary, dependsOn: ['load'] })
    // @ts-expect-error label declares ctx.deps.load as a string, but load outputs a Size
    base.addTask('label', { handler: h.label, dependsOn: ['load'] })
    // A handler without ctx declares nothing: any dependency is an ordering one.
    base.addTask('done', { handler: h.default, dependsOn: ['load'] })
    // What a task only waits for (after) is not in its ctx.deps, so it is not checked against them.
    base.addTask('gate', { handler: h.default }).addTask('area', { handler: h.area, dependsOn: ['load'], after: ['gate'] })
    // Untyped handlers are not checked.
    base.addTask('plain', { handler: subject('step.mjs'), dependsOn: ['load', 'later'] })
    expect(true).toBe(true)
  })

  test('a task\'s input must fit its handler\'s ctx.params', () => {
    // @ts-expect-error load needs params { scale }
    createWorkflow('w').addTask('load', { handler: h.load })
    // @ts-expect-error scale is a number
    createWorkflow('w').addTask('load', { handler: h.load, input: { scale: 'x' } })
    expect(h.load).toMatch(/#load$/)
  })

  test('defineHandler takes any of its types alone and infers the rest', () => {
    const area = defineHandler<{ deps: { load: Size } }>()((input, ctx) => ctx.deps.load.width)
    expectTypeOf(area).returns.toEqualTypeOf<number>()
    expectTypeOf<Parameters<typeof area>[1]['deps']>().toEqualTypeOf<{ load: Size }>()
    const inferred = defineHandler((input: { n: number }, ctx: HandlerContext<{ params: string }>) => input.n + ctx.params.length)
    expectTypeOf(inferred).parameter(0).toEqualTypeOf<{ n: number }>()
    expectTypeOf(inferred).returns.toEqualTypeOf<number | Promise<number>>()
    // @ts-expect-error the output type is checked when given
    defineHandler<{ output: string }>()(() => 42)
    // The positional form still works.
    const old = defineHandler<{ text: string }, number>((input) => input.text.length)
    expectTypeOf(old).parameter(0).toEqualTypeOf<{ text: string }>()
    expect(() => defineHandler(42 as never)).toThrow(/defineHandler expects a function; got 42 \(number\)/)
  })
})

test('a typed handler may depend on an untyped task, whose output is not known', () => {
  const wf = createWorkflow('mixed')
    .addTask('load', { handler: subject('step.mjs') })
    .addTask('area', { handler: h.area, dependsOn: ['load'] })
    .build()
  expect(wf.tasks.map(t => t.id)).toEqual(['load', 'area'])
})
