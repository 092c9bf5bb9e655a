/** Options of one execution and of close(), and their checks. */
import v8 from 'node:v8'
import { EngineError, ErrorCodes, InvalidOptionsError } from './errors.js'
import type { SchedulerStats } from './runtime/scheduler.js'
import type { TracerStats } from './telemetry/tracer-options.js'

/** Options of one execution. */
export interface ExecuteOptions {
  /** Aborting it cancels the execution. */
  signal?: AbortSignal
  /** Time limit of the whole execution in ms; the execution fails with EXECUTION_TIMEOUT. */
  timeout?: number
}

/** Options of `close()`. */
export interface CloseOptions {
  /**
   * Cancel running executions instead of letting them finish.
   * @default false
   */
  cancel?: boolean
}

/** Counters for monitoring. */
export interface EngineStats {
  instanceId: string
  threads: number
  executionsRunning: number
  executionsStarted: number
  scheduler: SchedulerStats
  tracer: TracerStats
}

/** @throws {InvalidOptionsError} naming the option and the rule */
export function checkExecuteOptions (options: ExecuteOptions): void {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('execute options must be an object')
  const { signal, timeout } = options
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0)) {
    throw new InvalidOptionsError('timeout must be a positive number of ms')
  }
  if (signal !== undefined && (typeof signal !== 'object' || typeof signal.addEventListener !== 'function')) {
    throw new InvalidOptionsError('signal must be an AbortSignal')
  }
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
