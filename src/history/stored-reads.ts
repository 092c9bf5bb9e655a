/**
 * Reads of the shared history that need nothing but the storage: an execution's
 * result, its trace as a tree, and the failure cases with their retries. The engine
 * answers from them once an execution is no longer in its memory; the CLI's reading
 * commands and a console without an engine answer from them alone, so that reading
 * never needs (or starts) an instance.
 */
import { ErrorCodes, NotFoundError } from '../errors.js'
import type { ExecutionStorage, RetryStorage } from '../storage/storage.js'
import type { ExecutionResult, FailedExecution, RetryQuery, SpanNode, SpanRecord, StoredExecution } from '../types.js'
import { executionResultOf, taskResultsOf } from './results.js'

/**
 * An execution's record, or EXECUTION_NOT_FOUND.
 * @throws {NotFoundError} EXECUTION_NOT_FOUND
 */
export async function storedRecord (storage: ExecutionStorage, executionId: string): Promise<StoredExecution> {
  const record = await storage.getExecution(executionId)
  if (record === undefined) throw new NotFoundError(ErrorCodes.EXECUTION_NOT_FOUND, `no execution with id "${executionId}"`)
  return record
}

/** The result of `record`'s execution, rebuilt from its task rows. */
export async function storedResult (storage: ExecutionStorage, record: StoredExecution): Promise<ExecutionResult> {
  return executionResultOf(record, taskResultsOf(await storage.getTaskResults(record.executionId)))
}

/** Spans as a tree: each under its parent, the execution's root span (or an orphan) at the top. */
export function spanTree (spans: readonly SpanRecord[]): SpanNode[] {
  const nodes = new Map<string, SpanNode>()
  for (const span of spans) nodes.set(span.spanId, { ...span, children: [] })
  const roots: SpanNode[] = []
  for (const node of nodes.values()) {
    const parent = node.parentSpanId === undefined ? undefined : nodes.get(node.parentSpanId)
    if (parent === undefined) roots.push(node)
    else parent.children.push(node)
  }
  return roots
}

/** Failure cases, oldest first, each with the executions that retried it. */
export async function failedExecutions (storage: ExecutionStorage & RetryStorage, query: RetryQuery): Promise<FailedExecution[]> {
  const records = await storage.listRetryRecords(query)
  const out: FailedExecution[] = []
  for (const record of records) {
    const retries = await storage.listExecutions({ retryOf: record.executionId, limit: 1000 })
    out.push({
      ...record,
      retries: retries.reverse().map(r => ({
        executionId: r.executionId, status: r.status, startedAt: r.startedAt, instanceId: r.instanceId, ...(r.endedAt === undefined ? {} : { endedAt: r.endedAt })
      }))
    })
  }
  return out
}
