/**
 * Trace continuity through a queue: an execution queued by one process and run by
 * another starts under the `traceparent` its producer saw, so both ends are in one
 * trace. The queue wires it; users reach it through graph-task/otel.
 */
import type { Engine } from '../../engine.js'
import type { ExecuteOptions } from '../../execute-options.js'
import type { ExecutionResult } from '../../types.js'
import { kExecuteUnder } from '../../engine-symbols.js'


/**
 * Starts an execution as `engine.execute` does, but as a child of the span named by a
 * W3C `traceparent` header rather than of the context active now; a malformed header is
 * ignored (the execution starts a trace of its own). Throws synchronously on misuse, as
 * `execute` rejects.
 */
export function executeUnderTraceparent (engine: Engine, traceparent: string, workflowId: string, input?: unknown,
  options?: ExecuteOptions): { id: string, done: Promise<ExecutionResult> } {
  const exec = engine[kExecuteUnder](traceparent, workflowId, input, options)
  return { id: exec.id, done: exec.done }
}
