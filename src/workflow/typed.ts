/**
 * Typed workflows: the types of a handler module flow into the workflow built from it.
 *
 * A handler stays loaded by module path in the workers; the main thread never imports
 * its code. What it holds instead is a reference: a string (the module's `file:` URL with
 * `#export`) that carries the handler's function type as a phantom. From that type the
 * builder reads the task's output (the return type), the execution input (the first
 * parameter), `ctx.params` and `ctx.deps`, and checks `dependsOn` against `ctx.deps`.
 *
 * ```ts
 * const h = handlerModule<typeof import('./handlers.mjs')>(new URL('./handlers.mjs', import.meta.url))
 * ```
 *
 * Everything here is types, but for `handlerModule()`.
 */
import { InvalidOptionsError } from '../errors.js'
import { describeValue } from '../option-keys.js'
import type { TaskOptions, Workflow } from './definition.js'

declare const kHandlerType: unique symbol

/** A function exported by a handler module. */
export type AnyHandler = (input: any, ctx: any) => unknown

/**
 * A handler reference: at run time the module's `file:` URL with `#exportName` (a plain
 * string, usable wherever `addTask` takes a handler); at compile time it also carries
 * the handler's function type `F`.
 */
export type HandlerRef<F extends AnyHandler = AnyHandler> = string & { readonly [kHandlerType]: F }

/** One {@link HandlerRef} per function exported by the module type `M` (`default` included). */
export type HandlerRefs<M> = {
  readonly [K in keyof M as M[K] extends AnyHandler ? K : never]: M[K] extends AnyHandler ? HandlerRef<M[K]> : never
}

/**
 * References to the handlers of a module, typed from the module's type without loading
 * it: `handlerModule<typeof import('./handlers.mjs')>(url).resize` is the string
 * `file:///…/handlers.mjs#resize` typed with `resize`'s signature (`default` gives the
 * URL alone). Use a type-only import (`typeof import(...)`, or `import type * as h`)
 * so that the module is not loaded in the main thread.
 * @param module an absolute path or a `file:` URL (string or URL object) of the handler module
 * @throws {InvalidOptionsError} when `module` is neither
 */
export function handlerModule<M> (module: string | URL): HandlerRefs<M> {
  let base: string
  if (module instanceof URL) base = module.href
  else if (typeof module === 'string' && module.length > 0) base = module
  else throw new InvalidOptionsError(`handlerModule expects an absolute path or a file URL; got ${describeValue(module)}`)
  if (base.includes('#')) throw new InvalidOptionsError(`handlerModule expects the module alone, without #export; got "${base}"`)
  const refs = new Map<string, string>()
  return new Proxy(Object.create(null) as HandlerRefs<M>, {
    get (_, key) {
      // `then` and symbols are asked by await, inspection and coercion: none is an export.
      if (typeof key !== 'string' || key === 'then') return undefined
      let ref = refs.get(key)
      if (ref === undefined) refs.set(key, ref = key === 'default' ? base : `${base}#${key}`)
      return ref
    }
  })
}

type FnOf<H> = H extends { readonly [kHandlerType]: infer F } ? F : undefined

/** What a task with handler `H` outputs: the handler's awaited return type, or `unknown` for an untyped handler. */
export type HandlerOutput<H> = FnOf<H> extends (...args: any[]) => infer R ? Awaited<R> : unknown

/** The execution input a handler `H` expects (its first parameter); `unknown` when untyped. */
export type HandlerInput<H> = FnOf<H> extends (input: infer I, ...rest: any[]) => unknown ? (unknown extends I ? unknown : I) : unknown

type CtxOf<H> = FnOf<H> extends (input: any, ctx: infer C, ...rest: any[]) => unknown ? C : undefined

// `undefined` when the handler declares no deps of its own (no ctx, or the default record type).
type DeclaredDeps<H> = CtxOf<H> extends { readonly deps: infer D } ? (string extends keyof D ? undefined : D) : undefined

type ParamsOf<H> = CtxOf<H> extends { readonly params: infer P } ? P : unknown

/** The `input` field of addTask for handler `H`: typed (and required when it must be) by its `ctx.params`. */
export type ParamsField<H> = unknown extends ParamsOf<H>
  ? { input?: unknown }
  : undefined extends ParamsOf<H> ? { input?: ParamsOf<H> } : { input: ParamsOf<H> }

// What is wrong between the deps a handler declares (DD), the task's dependencies (Ids: its
// dependsOn and its map) and the outputs of the tasks added so far (Out), as a message;
// never when nothing is.
type DepsProblem<DD, Ids extends string, Out, Skip extends string> =
  Exclude<Ids, keyof DD> extends infer Extra extends string
    ? [Extra] extends [never]
        ? Exclude<keyof DD & string, Ids> extends infer Missing extends string
          ? [Missing] extends [never]
              ? WrongOutput<DD, Exclude<Ids, Skip>, Out>
              : `the handler reads ctx.deps.${Missing} but the task does not depend on '${Missing}'`
          : never
        : `the handler does not declare ctx.deps.${Extra}; its ctx.deps has ${keyof DD & string}`
    : never

// A dependency added earlier whose output does not fit the declared type. Tasks added later
// (forward references) are not known yet, and untyped handlers output `unknown`: neither is checked.
type WrongOutput<DD, Ids extends string, Out> =
  { [K in Ids & keyof Out & keyof DD]: unknown extends Out[K] ? never : Out[K] extends DD[K] ? never : K }[Ids & keyof Out & keyof DD] extends infer Wrong extends string
    ? [Wrong] extends [never] ? never : `the output of task '${Wrong}' does not fit the handler's ctx.deps.${Wrong}`
    : never

/**
 * `unknown` (no constraint) when handler `H` declares no deps or its deps match its
 * dependencies `Ids` (its `dependsOn` and its `map`); otherwise a `dependsOn` type no array
 * satisfies, whose text says what is wrong. The output of `Skip` (the task it is mapped
 * over, whose elements it gets) is checked by {@link CheckMap} instead.
 */
export type CheckDeps<H, Ids extends string, Out, Skip extends string = never> = DeclaredDeps<H> extends infer DD
  ? DD extends undefined ? unknown : [DepsProblem<DD, Ids, Out, Skip>] extends [never] ? unknown : { dependsOn: DepsProblem<DD, Ids, Out, Skip> }
  : unknown

// What is wrong with mapping a task with handler H over task M, as a message; never when
// nothing is (or when M's output is not known yet: added later, or untyped).
type MapProblem<H, M extends string, Out> = [M] extends [never] ? never
  : Out extends { readonly [K in M]: infer O }
    ? unknown extends O ? never
      : O extends ReadonlyArray<infer E>
        ? DeclaredDeps<H> extends infer DD
          ? DD extends { readonly [K in M]: infer Want } ? (unknown extends E ? never : [E] extends [Want] ? never : `the elements of task '${M}' do not fit the handler's ctx.deps.${M}`) : never
          : never
        : `the output of task '${M}' is not an array: no task can be mapped over it`
    : never

/**
 * `unknown` when a task with handler `H` may be mapped over task `M`; otherwise a `handler`
 * type no handler satisfies, whose text says why not.
 */
export type CheckMap<H, M extends string, Out> = [MapProblem<H, M, Out>] extends [never] ? unknown : { handler: MapProblem<H, M, Out> }

/** What a task with handler `H` outputs, mapped (`M` names a task) or not: the array of its instances' outputs when it is. */
// (`string` for M, as when builders are compared, says nothing: unknown.)
export type TaskOutput<H, M extends string> = [M] extends [never] ? HandlerOutput<H> : string extends M ? unknown : Array<HandlerOutput<H>>

/** The output type of each task of workflow `W`, by id; any id of any type when `W` is not typed. */
export type WorkflowOutputs<W> = W extends Workflow<infer O, any> ? ({} extends O ? Record<string, unknown> : O) : Record<string, unknown>

/** The execution input of workflow `W`. */
export type WorkflowInput<W> = W extends Workflow<any, infer I> ? I : unknown

/**
 * The options of `addTask` for handler `H` with dependencies `D`, mapped over task `M` (or
 * not: `never`), in a workflow whose tasks so far output `Outputs`: `input` typed by the
 * handler's `ctx.params`, `dependsOn` and `map` checked against its `ctx.deps` (the task it
 * is mapped over gives one element of its output).
 */
export type TypedTaskOptions<H, D extends readonly string[], Outputs, M extends string = never> =
  Omit<TaskOptions, 'handler' | 'dependsOn' | 'input' | 'map'> & { handler: H, dependsOn?: D, map?: M } & ParamsField<H> &
  CheckDeps<H, D[number] | NoInfer<M>, Outputs, NoInfer<M>> & CheckMap<H, NoInfer<M>, Outputs>
