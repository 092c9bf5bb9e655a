import { isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ErrorCodes, InvalidOptionsError, WorkflowValidationError } from './errors.js'
import type { RetryPolicy } from './types.js'
import { validateRetryPolicy } from './backoff.js'
import { validateDefinition } from './planner.js'

/** Options of one task, as given to `addTask`. */
export interface TaskOptions {
  /** Display name. @default the task id */
  name?: string
  /**
   * Module that exports the handler: an absolute path, a `file:` URL string or a URL
   * object, with `#exportName` for a named export (the default export otherwise).
   */
  handler: string | URL
  /** Ids of tasks that must succeed before this one starts. */
  dependsOn?: readonly string[]
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
}

/** A task of a built workflow. */
export interface TaskDefinition {
  readonly id: string
  readonly name: string
  /** Normalised handler: a `file:` URL, with `#exportName` when a named export was asked for. */
  readonly handler: string
  readonly dependsOn: readonly string[]
  readonly timeout?: number
  readonly retry?: Readonly<RetryPolicy>
  readonly input?: unknown
}

const kWorkflow = Symbol.for('graph-task.workflow')

/** A built, validated workflow definition: plain frozen data, kept in memory only. */
export interface Workflow {
  readonly id: string
  readonly description: string
  readonly version: string
  readonly tasks: readonly TaskDefinition[]
  readonly [kWorkflow]: true
}

/** True for a value built by {@link WorkflowBuilder.build} (from any copy of graph-task). */
export function isWorkflow (value: unknown): value is Workflow {
  return typeof value === 'object' && value !== null && (value as Workflow)[kWorkflow] === true
}

const kIdPattern = /^[A-Za-z0-9_.:\-/]{1,128}$/

export function validateId (kind: string, id: unknown): asserts id is string {
  if (typeof id !== 'string' || !kIdPattern.test(id)) {
    throw new InvalidOptionsError(
      `${kind} id must be 1 to 128 characters of letters, digits and _ . : - /; got ${JSON.stringify(id)}`)
  }
}

/** Normalises a handler reference to a `file:` URL string, keeping `#exportName`. */
export function normaliseHandler (taskId: string, handler: unknown): string {
  if (handler instanceof URL) {
    if (handler.protocol !== 'file:') {
      throw new InvalidOptionsError(`task "${taskId}": handler must be a file URL, got ${handler.href}`)
    }
    return handler.href
  }
  if (typeof handler !== 'string' || handler.length === 0) {
    throw new InvalidOptionsError(`task "${taskId}": handler must be an absolute path or a file URL`)
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

/**
 * Fluent builder of a workflow. Calls may come in any order: dependencies on
 * tasks added later are fine; everything is checked by `build()`.
 */
export class WorkflowBuilder {
  readonly #id: string
  #description = ''
  #version = '1'
  readonly #tasks = new Map<string, TaskOptions & { dependsOn: string[] }>()
  readonly #duplicates: string[] = []
  readonly #edges: Array<[from: string, to: string]> = []

  constructor (id: string) {
    validateId('workflow', id)
    this.#id = id
  }

  setDescription (description: string): this {
    if (typeof description !== 'string') throw new InvalidOptionsError('description must be a string')
    this.#description = description
    return this
  }

  setVersion (version: string): this {
    if (typeof version !== 'string' || version.length === 0) {
      throw new InvalidOptionsError('version must be a non-empty string')
    }
    this.#version = version
    return this
  }

  /** Adds a task. Duplicate ids are reported by `build()`, with every other problem. */
  addTask (id: string, options: TaskOptions): this {
    validateId('task', id)
    if (typeof options !== 'object' || options === null) {
      throw new InvalidOptionsError(`task "${id}": options must be an object with a handler`)
    }
    if (this.#tasks.has(id)) {
      this.#duplicates.push(id)
      return this
    }
    const dependsOn = options.dependsOn ?? []
    if (!Array.isArray(dependsOn) || dependsOn.some(d => typeof d !== 'string')) {
      throw new InvalidOptionsError(`task "${id}": dependsOn must be an array of task ids`)
    }
    this.#tasks.set(id, { ...options, dependsOn: [...dependsOn] })
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
   * @throws {InvalidOptionsError} an invalid handler, timeout or retry policy
   */
  build (): Workflow {
    if (this.#duplicates.length > 0) {
      throw new WorkflowValidationError(ErrorCodes.DUPLICATE_TASK,
        `workflow "${this.#id}": duplicate task id${this.#duplicates.length > 1 ? 's' : ''} ` +
        [...new Set(this.#duplicates)].map(d => `"${d}"`).join(', '))
    }
    for (const [from, to] of this.#edges) {
      const task = this.#tasks.get(to)
      if (task === undefined) {
        throw new WorkflowValidationError(ErrorCodes.UNKNOWN_DEPENDENCY,
          `workflow "${this.#id}": addDependency("${from}", "${to}") names task "${to}", which was never added`)
      }
      task.dependsOn.push(from)
    }
    const tasks: TaskDefinition[] = []
    for (const [id, options] of this.#tasks) {
      const task: { -readonly [K in keyof TaskDefinition]: TaskDefinition[K] } = {
        id,
        name: options.name ?? id,
        handler: normaliseHandler(id, options.handler),
        dependsOn: Object.freeze([...new Set(options.dependsOn)])
      }
      if (typeof task.name !== 'string') throw new InvalidOptionsError(`task "${id}": name must be a string`)
      if (options.timeout !== undefined) {
        if (!Number.isFinite(options.timeout) || options.timeout <= 0) {
          throw new InvalidOptionsError(`task "${id}": timeout must be a positive number of ms`)
        }
        task.timeout = options.timeout
      }
      if (options.retry !== undefined) {
        validateRetryPolicy(options.retry, `task "${id}": retry`)
        task.retry = Object.freeze({ ...options.retry })
      }
      if (options.input !== undefined) task.input = options.input
      tasks.push(Object.freeze(task))
    }
    const workflow: Workflow = Object.freeze({
      id: this.#id,
      description: this.#description,
      version: this.#version,
      tasks: Object.freeze(tasks),
      [kWorkflow]: true as const
    })
    validateDefinition(workflow)
    return workflow
  }
}

/**
 * Starts a workflow definition without an engine, so that a module can export a
 * workflow (for `graph-task run`, or to publish on several engines).
 */
export function createWorkflow (id: string): WorkflowBuilder {
  return new WorkflowBuilder(id)
}
