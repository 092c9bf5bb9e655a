import { isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ErrorCodes, InvalidOptionsError, WorkflowValidationError } from '../errors.js'
import { kValueLimits, type RetryPolicy } from '../types.js'
import { validateRetryPolicy } from '../runtime/backoff.js'
import { closestKey, describeValue, optionKeys, rejectUnknownKeys } from '../option-keys.js'
import { DependencyLinks, validateDefinition } from './planner.js'
import type { HandlerInput, TaskOutput, TypedTaskOptions } from './typed.js'
import { kWorkflow, type ResolvedTaskCache, type TaskCacheOptions, type TaskDefinition, type TaskOptions, type Workflow } from './definition.js'

export { isWorkflow } from './definition.js'
export type { ResolvedTaskCache, TaskCacheOptions, TaskDefinition, TaskOptions, Workflow } from './definition.js'

const kTaskOptionKeys = optionKeys<TaskOptions>({ name: true, handler: true, dependsOn: true, after: true, timeout: true, retry: true, input: true, map: true, cache: true })
const kCacheOptionKeys = optionKeys<TaskCacheOptions>({ version: true, ttl: true })


const kIdPattern = /^[A-Za-z0-9_.:\-/]{1,128}$/

function validateId (kind: string, id: unknown): asserts id is string {
  if (typeof id !== 'string' || !kIdPattern.test(id)) {
    throw new InvalidOptionsError(
      `${kind} id must be 1 to 128 characters of letters, digits and _ . : - /; got ${JSON.stringify(id)}`)
  }
}

/**
 * A value kept in storage whole: at most `limit` characters, and no lone surrogate
 * (MySQL's utf8mb4 has no form for one).
 * @throws {InvalidOptionsError} naming the field and the limit
 */
export function checkStoredText (field: string, value: string, limit: number): void {
  if (value.length > limit) {
    throw new InvalidOptionsError(`${field} must be at most ${limit} characters (storage keeps no more); got ${value.length}`)
  }
  if (/[\uD800-\uDFFF]/.test(value) && /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) {
    throw new InvalidOptionsError(`${field} must be well-formed text: it has a lone surrogate (half of a UTF-16 pair)`)
  }
}

/** Normalises a handler reference to a `file:` URL string, keeping `#exportName`. */
function normaliseHandler (taskId: string, handler: unknown): string {
  if (handler instanceof URL) {
    if (handler.protocol !== 'file:') {
      throw new InvalidOptionsError(`task "${taskId}": handler must be a file URL, got ${handler.href}`)
    }
    return handler.href
  }
  if (typeof handler !== 'string' || handler.length === 0) {
    throw new InvalidOptionsError(`task "${taskId}": handler must be an absolute path or a file URL; got ${describeValue(handler)}`)
  }
  if (handler.startsWith('file:')) return new URL(handler).href
  const hash = handler.lastIndexOf('#')
  const path = hash === -1 ? handler : handler.slice(0, hash)
  if (!isAbsolute(path)) {
    throw new InvalidOptionsError(
      `task "${taskId}": handler must be an absolute path or a file URL, got "${handler}"` +
      ' (use new URL(\'./handler.mjs\', import.meta.url) for a path relative to your module)')
  }
  const url = pathToFileURL(path).href
  return hash === -1 ? url : url + handler.slice(hash)
}

// A task as addTask was given it (read once, so that later changes to the caller's
// objects do not leak in). build() checks it, then normalises and freezes it in place
// into its TaskDefinition: one object per task, not two. Once frozen it is final, and
// a later build() of the same builder reuses it.
interface DraftTask {
  readonly id: string
  name: unknown
  handler: unknown
  /** The builder's own copy. */
  dependsOn: readonly string[]
  /** The builder's own copy; absent when none. */
  after?: readonly string[]
  timeout?: number
  retry?: Readonly<RetryPolicy>
  input?: unknown
  map?: string
  cache?: ResolvedTaskCache
}

/**
 * Fluent builder of a workflow. Calls may come in any order: dependencies on
 * tasks added later are fine; everything is checked by `build()`.
 *
 * Its type parameters record, call after call, each task's output type and the input
 * the handlers expect, for a typed `execute(workflow)`. Chain the calls (or reassign
 * the builder) to keep them.
 */
export class WorkflowBuilder<Outputs extends Record<string, unknown> = {}, Input = unknown> {
  readonly #id: string
  #description = ''
  #version = '1'
  readonly #tasks: DraftTask[] = []
  // Task id -> position in #tasks. build() hands it to the planner, which keeps it
  // with the workflow; a later addTask then works on a copy.
  #index = new Map<string, number>()
  #indexShared = false
  readonly #links = new DependencyLinks()
  // False once a task's dependencies differ from those recorded in #links (addDependency, repeats).
  #linksValid = true
  readonly #duplicates: string[] = []
  readonly #edges: Array<[from: string, to: string]> = []

  constructor (id: string) {
    validateId('workflow', id)
    this.#id = id
  }

  setDescription (description: string): this {
    if (typeof description !== 'string') throw new InvalidOptionsError(`description must be a string; got ${describeValue(description)}`)
    this.#description = description
    return this
  }

  /** @throws {InvalidOptionsError} unless 1 to 255 characters of well-formed text (stored in a column of 255) */
  setVersion (version: string): this {
    if (typeof version !== 'string' || version.length === 0) {
      throw new InvalidOptionsError(`version must be a non-empty string; got ${describeValue(version)}`)
    }
    checkStoredText('version', version, kValueLimits.version)
    this.#version = version
    return this
  }

  /**
   * Adds a task. Duplicate ids are reported by `build()`, with every other problem.
   * With a typed handler reference (see `handlerModule`), the task's output is typed,
   * `input` must fit the handler's `ctx.params`, and `dependsOn` must name exactly the
   * tasks of its `ctx.deps` (with outputs of the declared types). Mapped over a task
   * (`map`), its handler's `ctx.deps` entry for that task is one element of its output,
   * and the task's own output is the array of its instances' outputs.
   * @throws {InvalidOptionsError} an unknown option (with the closest known one), a bad id, dependsOn, timeout or retry policy
   */
  addTask<const Id extends string, const H extends string | URL, const D extends readonly string[] = readonly [], const M extends string = never> (
    id: Id, options: TypedTaskOptions<H, D, Outputs, M>
  ): WorkflowBuilder<Outputs & { [K in Id]: TaskOutput<H, M> }, Input & HandlerInput<H>>
  addTask (id: string, options: TaskOptions): this {
    validateId('task', id)
    if (typeof options !== 'object' || options === null) {
      throw new InvalidOptionsError(`task "${id}": options must be an object with a handler; got ${describeValue(options)}`)
    }
    // A typo such as `depends` would otherwise build a task without its dependencies.
    // for-in allocates no key array, as Object.keys would on every call.
    for (const key in options) {
      if (!kTaskOptionKeys.has(key)) rejectUnknownKeys(options, kTaskOptionKeys, `addTask('${id}')`)
    }
    // Checked here, where a typo is written, not at build(): both are rare, so they cost nothing
    // on the common path of a large workflow.
    if (options.retry !== undefined) validateRetryPolicy(options.retry, `task "${id}": retry`)
    if (options.timeout !== undefined && (typeof options.timeout !== 'number' || !Number.isFinite(options.timeout) || options.timeout <= 0)) {
      throw new InvalidOptionsError(`task "${id}": timeout must be a positive number of ms; got ${describeValue(options.timeout)}`)
    }
    const map = options.map
    if (map !== undefined && typeof map !== 'string') {
      throw new InvalidOptionsError(`task "${id}": map must be a task id; got ${describeValue(map)}`)
    }
    let given = options.dependsOn ?? []
    if (!isIdList(given)) {
      // A repeated id is recorded whatever its options, as build() reports it first.
      if (this.#index.has(id)) return this.#duplicate(id)
      throw new InvalidOptionsError(`task "${id}": dependsOn must be an array of task ids; got ${describeValue(given)}`)
    }
    const after = options.after === undefined || options.after.length === 0 ? undefined : checkAfter(id, options.after, given, map)
    if (this.#indexShared) {
      this.#index = new Map(this.#index)
      this.#indexShared = false
    }
    // One hash lookup, not has() then set(): set() alone is a fifth of addTask on 50k tasks.
    const position = this.#tasks.length
    this.#index.set(id, position)
    // A repeat overwrote the first position, harmlessly: once a duplicate is recorded,
    // build() throws DUPLICATE_TASK before it reads the index.
    if (this.#index.size === position) return this.#duplicate(id)
    // `map` implies the dependency.
    if (map !== undefined && !given.includes(map)) given = [...given, map]
    // slice() allocates exactly the length; push() would reserve 17 slots for 2 ids.
    const dependsOn = given.slice()
    // Ordering-only dependencies follow the data dependencies in the task's links (see Plan.dataStart).
    this.#links.add(after === undefined ? dependsOn : [...dependsOn, ...after], this.#index)
    if (typeof options.name === 'string') checkStoredText(`task "${id}": name`, options.name, kValueLimits.taskName)
    const task: DraftTask = { id, name: options.name ?? id, handler: options.handler, dependsOn }
    if (after !== undefined) task.after = after
    if (options.timeout !== undefined) task.timeout = options.timeout
    if (options.retry !== undefined) task.retry = options.retry
    if (options.input !== undefined) task.input = options.input
    if (map !== undefined) task.map = map
    if (options.cache !== undefined && options.cache !== false) task.cache = resolveTaskCache(id, options.cache)
    this.#tasks.push(task)
    return this
  }

  #duplicate (id: string): this {
    this.#duplicates.push(id)
    return this
  }

  /** Makes `to` depend on `from`. Either task may be added later. */
  addDependency (from: string, to: string): this {
    validateId('task', from)
    validateId('task', to)
    this.#edges.push([from, to])
    return this
  }

  /**
   * Validates and freezes the definition.
   * @throws {WorkflowValidationError} duplicate ids, unknown dependencies, a cycle (with its path), no tasks
   * @throws {InvalidOptionsError} an invalid handler or name
   */
  build (): Workflow<Outputs, Input> {
    if (this.#duplicates.length > 0) {
      throw new WorkflowValidationError(ErrorCodes.DUPLICATE_TASK,
        `workflow "${this.#id}": duplicate task id${this.#duplicates.length > 1 ? 's' : ''} ` +
        [...new Set(this.#duplicates)].map(d => `"${d}"`).join(', '))
    }
    // Edges of addDependency, by position of the dependent task; kept apart so that build() can run again.
    const added = new Map<number, string[]>()
    for (const [from, to] of this.#edges) {
      const i = this.#index.get(to)
      if (i === undefined) {
        throw new WorkflowValidationError(ErrorCodes.UNKNOWN_DEPENDENCY,
          `workflow "${this.#id}": addDependency("${from}", "${to}") names task "${to}", which was never added`)
      }
      const list = added.get(i)
      if (list === undefined) added.set(i, [from])
      else list.push(from)
    }
    if (added.size > 0) this.#linksValid = false
    this.#checkMaps()
    const handlers = new Handlers()
    for (let i = 0; i < this.#tasks.length; i++) {
      const task = this.#tasks[i]
      const extra = added.size === 0 ? undefined : added.get(i)
      if (!Object.isFrozen(task)) {
        if (!finishTask(task, handlers, extra)) this.#linksValid = false
      } else if (extra !== undefined) {
        // Built before, and addDependency was called since: a new definition for this task.
        const next: DraftTask = { ...task, dependsOn: Object.freeze(unique([...task.dependsOn, ...extra])) }
        const after = task.after?.filter(dep => !extra.includes(dep))
        if (after !== undefined && after.length > 0) next.after = Object.freeze(after)
        else delete next.after
        this.#tasks[i] = Object.freeze(next)
      }
    }
    // Every draft is now its frozen definition. slice() and map() allocate the exact length.
    const tasks = this.#tasks.slice() as TaskDefinition[]
    const ids = tasks.map(t => t.id)
    const workflow: Workflow<Outputs, Input> = Object.freeze({
      id: this.#id,
      description: this.#description,
      version: this.#version,
      tasks: Object.freeze(tasks),
      [kWorkflow]: true as const
    })
    this.#indexShared = true
    validateDefinition(workflow, { ids, index: this.#index, links: this.#linksValid ? this.#links.take() : undefined })
    return workflow
  }

  // A map over a task that is not there is named with the nearest id; a map over itself
  // is a cycle. Longer cycles through a map are found with every other cycle, by the planner.
  #checkMaps (): void {
    for (const task of this.#tasks) {
      const { map } = task
      if (map === undefined) continue
      if (map === task.id) {
        throw new WorkflowValidationError(ErrorCodes.CYCLE, `workflow "${this.#id}": task "${map}" is mapped over itself`, [map, map])
      }
      if (!this.#index.has(map)) {
        const near = closestKey(map, this.#index.keys())
        throw new WorkflowValidationError(ErrorCodes.UNKNOWN_DEPENDENCY,
          `workflow "${this.#id}": task "${task.id}" is mapped over unknown task "${map}"` + (near === undefined ? '' : `; did you mean "${near}"?`))
      }
    }
  }
}

/**
 * `after` as addTask was given it: the builder's own copy.
 * @throws {InvalidOptionsError} not an id list, or an id also in `dependsOn` or `map`
 */
function checkAfter (id: string, after: unknown, dependsOn: readonly string[], map: string | undefined): readonly string[] {
  if (!isIdList(after)) throw new InvalidOptionsError(`task "${id}": after must be an array of task ids; got ${describeValue(after)}`)
  for (const dep of after) {
    if (dep === map) throw new InvalidOptionsError(`task "${id}": "${dep}" is both in after and its map: a mapped task takes the elements of its map`)
    if (dependsOn.includes(dep)) throw new InvalidOptionsError(`task "${id}": "${dep}" is both in dependsOn and after; dependsOn takes its output, after only waits for it`)
  }
  return after.slice()
}

function isIdList (value: unknown): value is readonly string[] {
  if (!Array.isArray(value)) return false
  for (let k = 0; k < value.length; k++) if (typeof value[k] !== 'string') return false
  return true
}

/**
 * `cache` as addTask was given it, checked and with every field set.
 * @throws {InvalidOptionsError} naming the field and the rule
 */
function resolveTaskCache (id: string, cache: unknown): ResolvedTaskCache {
  if (cache === true) return Object.freeze({ version: '', ttl: 0 })
  if (typeof cache !== 'object' || cache === null) {
    throw new InvalidOptionsError(`task "${id}": cache must be true or { version, ttl }; got ${describeValue(cache)}`)
  }
  rejectUnknownKeys(cache, kCacheOptionKeys, `addTask('${id}').cache`)
  const { version = '', ttl = 0 } = cache as TaskCacheOptions
  if (typeof version !== 'string') throw new InvalidOptionsError(`task "${id}": cache.version must be a string; got ${describeValue(version)}`)
  checkStoredText(`task "${id}": cache.version`, version, kValueLimits.version)
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
    throw new InvalidOptionsError(`task "${id}": cache.ttl must be a non-negative number of ms (0 for no limit); got ${describeValue(ttl)}`)
  }
  return Object.freeze({ version, ttl })
}

/**
 * Checks a draft and turns it into its frozen TaskDefinition; on error the draft is left as it was.
 * @returns whether its dependencies are still those given to addTask
 */
function finishTask (task: DraftTask, handlers: Handlers, extra: readonly string[] | undefined): boolean {
  const given = task.dependsOn
  const { id, name, retry } = task
  const handler = handlers.normalise(id, task.handler)
  if (typeof name !== 'string') throw new InvalidOptionsError(`task "${id}": name must be a string; got ${describeValue(name)}`)
  task.handler = handler
  task.dependsOn = Object.freeze(unique(extra === undefined ? task.dependsOn : [...task.dependsOn, ...extra]))
  const after = task.after
  if (after !== undefined) {
    // addDependency makes a data dependency of what was ordering only.
    const kept = extra === undefined ? unique(after) : unique(after.filter(dep => !extra.includes(dep)))
    if (kept.length === 0) delete task.after
    else task.after = Object.freeze(kept)
  }
  if (retry !== undefined) task.retry = Object.freeze({ ...retry })
  Object.freeze(task)
  return task.dependsOn === given && task.after === after
}

// Normalised handlers of one build(): tasks of a large workflow mostly share a few
// handlers, and normalising one parses a URL.
class Handlers {
  #lastGiven: unknown = undefined
  #last = ''
  readonly #seen = new Map<unknown, string>()

  normalise (taskId: string, given: unknown): string {
    if (given === this.#lastGiven && this.#last !== '') return this.#last
    let handler = this.#seen.get(given)
    if (handler === undefined) {
      handler = normaliseHandler(taskId, given)
      this.#seen.set(given, handler)
    }
    this.#lastGiven = given
    this.#last = handler
    return handler
  }
}

// The ids in first-seen order, without repeats; the array itself when it has none.
function unique (ids: readonly string[]): readonly string[] {
  if (ids.length < 2) return ids
  if (ids.length === 2) return ids[0] === ids[1] ? [ids[0]] : ids
  const set = new Set(ids)
  return set.size === ids.length ? ids : [...set]
}

/**
 * Starts a workflow definition without an engine, so that a module can export a
 * workflow (for `graph-task run`, or to publish on several engines).
 */
export function createWorkflow (id: string): WorkflowBuilder<{}, unknown> {
  return new WorkflowBuilder(id)
}
