import { describe, expect, expectTypeOf, test } from 'vitest'
import { createWorkflow, handlerModule } from '../dist/index.js'
import { startEngine, subject } from './helpers/engine.js'
// Types only: `typeof import` loads nothing; the workers load the module by its URL.
type Handlers = typeof import('../workflows/test-subjects/typed-handlers.mjs')

const h = handlerModule<Handlers>(subject('typed-handlers.mts'))

describe('typed mapped tasks', () => {
  test('a mapped task: its handler gets one element; a fan-in and the result get arrays', async () => {
    const perFile = createWorkflow('per-file')
      .addTask('files', { handler: h.files })
      .addTask('measure', { handler: h.measure, map: 'files' })
      .addTask('weigh', { handler: h.weigh, map: 'measure' })
      .addTask('total', { handler: h.total, dependsOn: ['weigh'] })
      .build()
    const engine = startEngine({ typescript: true })
    await engine.publishWorkflow(perFile)
    const result = await engine.execute(perFile, { files: ['a.js', 'bb.js'] })
    expect(result.tasks.total.output).toBe(18)
    expect(result.tasks.measure.output).toEqual([{ file: 'a.js', size: 4 }, { file: 'bb.js', size: 5 }])
    expectTypeOf(result.tasks.measure.output).toEqualTypeOf<Array<{ file: string, size: number }> | undefined>()
    expectTypeOf(result.tasks.weigh.output).toEqualTypeOf<number[] | undefined>()
    expectTypeOf(result.tasks.total.output).toEqualTypeOf<number | undefined>()
  })

  // Each @ts-expect-error below is checked by tsc (npm test): removing CheckMap from
  // TypedTaskOptions (typed.ts) makes the first two unused, which fails the type check (checked).
  test('a map that does not fit its handler does not compile', () => {
    const listed = createWorkflow('bad-maps').addTask('files', { handler: h.files }).addTask('load', { handler: h.load, input: { scale: 1 } })
    // @ts-expect-error the elements of task 'files' (strings) do not fit countUp's ctx.deps.files (a number)
    listed.addTask('count', { handler: h.countUp, map: 'files' })
    // @ts-expect-error the output of task 'load' is not an array: no task can be mapped over it
    listed.addTask('area', { handler: h.area, map: 'load' })
    const measured = listed.addTask('measure', { handler: h.measure, map: 'files' })
    // @ts-expect-error a fan-in gets the array of measurements, where weigh wants one
    measured.addTask('weigh', { handler: h.weigh, dependsOn: ['measure'] })
    // @ts-expect-error total reads ctx.deps.weigh: mapped over measure, it is not wired to weigh
    measured.addTask('total', { handler: h.total, map: 'measure' })
    expect(true).toBe(true)
  })
})
