/**
 * What a built workflow is: its tasks' options and definitions, and the frozen
 * definition itself. Types only (and the mark of a built workflow), below the builder,
 * the planner and the typed helpers, which all read them.
 */
import type { RetryPolicy } from '../types.js'

/** Options of one task, as given to `addTask`. */
export interface TaskOptions {
  /** Display name. @default the task id */
  name?: string
  /**
   * Module that exports the handler: an absolute path, a `file:` URL string or a URL
   * object, with `#exportName` for a named export (the default export otherwise).
   */
  handler: string | URL
  /**
   * Ids of tasks that must succeed before this one starts, whose outputs it takes:
   * `ctx.deps[id]` for each.
   */
  dependsOn?: readonly string[]
  /**
   * Ids of tasks that must succeed before this one starts, for ordering only: their
   * outputs are not handed over (`ctx.deps` has no entry for them), do not go into the
   * cache key, and typed workflows do not check them against the handler. As with
   * `dependsOn`, a failure of one of them skips this task. A task named here cannot
   * also be in `dependsOn` or be `map`.
   * @default none
   */
  after?: readonly string[]
  /**
   * Time limit of one attempt in ms, counted from when the handler starts running.
   * A handler still running then is stopped (its worker is replaced).
   * @default no limit
   */
  timeout?: number
  /** Overrides the engine's retry policy for this task. */
  retry?: RetryPolicy
  /** Static input of the task, handed to the handler as `ctx.params`. */
  input?: unknown
  /**
   * Runs one instance of this task per element of the output of task `map` (an array,
   * known when that task succeeds). `map` is a dependency, whether `dependsOn` names it
   * or not. Each instance gets its element as `ctx.deps[map]` and its index as
   * `ctx.mapIndex`; when `map` is itself mapped, instance i depends on instance i of it
   * only. Dependents of this task get the array of the instances' outputs, in order.
   * @default not mapped
   */
  map?: string
  /**
   * Keeps this task's output in the engine's storage, found again by what decides it:
   * its handler module's content and export, `version`, `input`, the execution input
   * and its dependencies' outputs (for an instance of a mapped task: its element). A
   * run whose key is stored takes the stored output and does not call the handler.
   * Each instance of a mapped task is cached on its own. `true` is `{}`.
   * @default not cached
   */
  cache?: boolean | TaskCacheOptions
}

/** How a task's results are cached (see {@link TaskOptions.cache}). */
export interface TaskCacheOptions {
  /**
   * Part of the key: change it to invalidate what is stored, e.g. when a module the
   * handler imports changed (the key sees the handler's own file only).
   * @default ''
   */
  version?: string
  /**
   * Milliseconds a stored result is used for after it was made; an older one misses and
   * is made again.
   * @default no limit
   */
  ttl?: number
}

/** A task's cache settings as built: every field set (`ttl` 0 for no limit). */
export interface ResolvedTaskCache {
  readonly version: string
  readonly ttl: number
}

/** A task of a built workflow. */
export interface TaskDefinition {
  readonly id: string
  readonly name: string
  /** Normalised handler: a `file:` URL, with `#exportName` when a named export was asked for. */
  readonly handler: string
  readonly dependsOn: readonly string[]
  /** Ordering-only dependencies (see {@link TaskOptions.after}); absent when none. */
  readonly after?: readonly string[]
  readonly timeout?: number
  readonly retry?: Readonly<RetryPolicy>
  readonly input?: unknown
  /** The task whose output's elements this task is mapped over (see {@link TaskOptions.map}). */
  readonly map?: string
  /** Set for a cached task (see {@link TaskOptions.cache}). */
  readonly cache?: ResolvedTaskCache
}

/** Marks a built workflow, whichever copy of graph-task built it. */
export const kWorkflow = Symbol.for('graph-task.workflow')
declare const kTypes: unique symbol

/**
 * A built, validated workflow definition: plain frozen data, kept in memory only.
 * @typeParam Outputs the output type of each task, by task id (from typed handler references)
 * @typeParam Input the execution input its handlers expect
 */
export interface Workflow<Outputs extends Record<string, unknown> = Record<string, unknown>, Input = unknown> {
  readonly id: string
  readonly description: string
  readonly version: string
  readonly tasks: readonly TaskDefinition[]
  readonly [kWorkflow]: true
  /** Never set: carries the types of the workflow for `execute`. */
  readonly [kTypes]?: { outputs: Outputs, input: Input }
}

/** True for a value built by {@link WorkflowBuilder.build} (from any copy of graph-task). */
export function isWorkflow (value: unknown): value is Workflow {
  return typeof value === 'object' && value !== null && (value as Workflow)[kWorkflow] === true
}
