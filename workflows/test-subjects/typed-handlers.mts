/**
 * Handlers typed for a typed workflow (test/typed-workflows.test.ts): each declares what it
 * takes and reads, in one of the forms defineHandler accepts, and the workflow's types
 * come from here through `typeof import(...)`. Runs with the engine's `typescript: true`.
 */
import { defineHandler, type HandlerContext, type TaskContext } from '../../dist/handler.js'

export interface Size { width: number, height: number }

/** Inferred from annotations: the execution input, `ctx.params`, and the output from the return type. */
export const load = defineHandler((input: Size, ctx: HandlerContext<{ params: { scale: number } }>) =>
  ({ width: input.width * ctx.params.scale, height: input.height * ctx.params.scale }))

/** Named types, deps alone; the output (a number) is inferred. */
export const area = defineHandler<{ deps: { load: Size } }>()((input, ctx) => ctx.deps.load.width * ctx.deps.load.height)

/** A plain async function with an annotated ctx: no defineHandler needed. */
export async function summary (input: unknown, ctx: TaskContext<unknown, { load: Size, area: number }>): Promise<{ text: string }> {
  return { text: `${ctx.deps.load.width}x${ctx.deps.load.height} = ${ctx.deps.area}` }
}

/** Declares a dependency named `load` of another type than `load` outputs. */
export const label = defineHandler<{ deps: { load: string } }>()((input, ctx) => ctx.deps.load.toUpperCase())

/** Takes no ctx: declares no dependency, so any may be wired (ordering only). */
export default function done (): boolean {
  return true
}

/** A list found at run time: the names given as the execution input's `files`. */
export const files = defineHandler((input: { files: string[] }) => input.files)

/** Mapped over `files`: one file name each. */
export const measure = defineHandler<{ deps: { files: string } }>()((input, ctx) => ({ file: ctx.deps.files, size: ctx.deps.files.length }))

/** Mapped over `measure`: one measurement each. */
export const weigh = defineHandler<{ deps: { measure: { file: string, size: number } } }>()((input, ctx) => ctx.deps.measure.size * 2)

/** The fan-in: every weight, in file order. */
export const total = defineHandler<{ deps: { weigh: number[] } }>()((input, ctx) => ctx.deps.weigh.reduce((a, b) => a + b, 0))

/** Declares its element as a number: cannot be mapped over `files`. */
export const countUp = defineHandler<{ deps: { files: number } }>()((input, ctx) => ctx.deps.files + 1)
