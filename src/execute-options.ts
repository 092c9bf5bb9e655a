/** Options of one execution and of close(), and their checks. */
import v8 from 'node:v8'
import { EngineError, ErrorCodes, InvalidOptionsError } from './errors.js'
import { checkOptionsObject, describeValue, optionKeys } from './option-keys.js'
import type { Workflow } from './workflow/builder.js'
import type { WorkflowInput } from './workflow/typed.js'

/** Options of one execution. */
export interface ExecuteOptions {
  /** Aborting it cancels the execution. */
  signal?: AbortSignal
  /** Time limit of the whole execution in ms; the execution fails with EXECUTION_TIMEOUT. */
  timeout?: number
  /**
   * Orders executions in flight: while one of a higher priority has a ready task, it gets
   * the next free thread; equal priorities take turns (see README, Scheduling). A finite number.
   * @default 0
   */
  priority?: number
}

/** Options of `close()`. */
export interface CloseOptions {
  /**
   * Cancel running executions instead of letting them finish.
   * @default false
   */
  cancel?: boolean
}

/** Options of `publishWorkflow()`. */
export interface PublishOptions {
  /**
   * Replace a published workflow of the same id whose definition differs.
   * @default false
   */
  replace?: boolean
}

const kExecuteOptionKeys = optionKeys<ExecuteOptions>({ signal: true, timeout: true, priority: true })
const kCloseOptionKeys = optionKeys<CloseOptions>({ cancel: true })
const kPublishOptionKeys = optionKeys<PublishOptions>({ replace: true })

/**
 * @param where how messages name the call: `execute()` or `executeAsync()`
 * @throws {InvalidOptionsError} naming the option and the rule, or an unknown key
 */
export function checkExecuteOptions (given: ExecuteOptions | undefined, where: string): ExecuteOptions {
  const options = checkOptionsObject(given, kExecuteOptionKeys, where)
  const { signal, timeout, priority } = options
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) {
    throw new InvalidOptionsError(`${where}: priority must be a finite number (higher goes first); got ${describeValue(priority)}`)
  }
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0)) {
    throw new InvalidOptionsError(`${where}: timeout must be a positive number of ms; got ${describeValue(timeout)}`)
  }
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function')) {
    throw new InvalidOptionsError(`${where}: signal must be an AbortSignal; got ${describeValue(signal)}`)
  }
  return options
}

/** @throws {InvalidOptionsError} an unknown key, or `cancel` not a boolean */
export function checkCloseOptions (given: CloseOptions | undefined): CloseOptions {
  const options = checkOptionsObject(given, kCloseOptionKeys, 'close()')
  if (options.cancel !== undefined && typeof options.cancel !== 'boolean') {
    throw new InvalidOptionsError(`close(): cancel must be a boolean; got ${describeValue(options.cancel)}`)
  }
  return options
}

/** @throws {InvalidOptionsError} an unknown key, or `replace` not a boolean */
export function checkPublishOptions (given: PublishOptions | undefined): PublishOptions {
  const options = checkOptionsObject(given, kPublishOptionKeys, 'publishWorkflow()')
  if (options.replace !== undefined && typeof options.replace !== 'boolean') {
    throw new InvalidOptionsError(`publishWorkflow(): replace must be a boolean; got ${describeValue(options.replace)}`)
  }
  return options
}

/** @throws {EngineError} INVALID_INPUT when the input cannot be serialised */
export function serialiseInput (workflowId: string, input: unknown): Uint8Array {
  try {
    return v8.serialize(input)
  } catch (err) {
    throw new EngineError(ErrorCodes.INVALID_INPUT,
      `input of workflow "${workflowId}" cannot be serialised: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * The arguments of `execute` after the workflow: the input (required when the workflow's
 * handlers declare one that `undefined` does not fit) and the options.
 */
export type ExecuteArgs<W> = unknown extends WorkflowInput<W>
  ? [input?: unknown, options?: ExecuteOptions]
  : undefined extends WorkflowInput<W> ? [input?: WorkflowInput<W>, options?: ExecuteOptions] : [input: WorkflowInput<W>, options?: ExecuteOptions]

/** The id of a workflow given by id or as the built workflow. */
export function workflowIdOf (workflow: Workflow<any, any> | string): string {
  return typeof workflow === 'string' || typeof workflow !== 'object' || workflow === null ? workflow as string : workflow.id
}
