/**
 * What the console shows, read from an engine (which answers live executions from
 * memory and flushes its writes before reading) or from a storage alone (the shared
 * history, as other instances wrote it). One shape for both, made for JSON.
 */
import type { Engine } from '../engine.js'
import { failedExecutions, storedRecord, storedResult } from '../history/stored-reads.js'
import { fromStorageBytes } from '../wire/values.js'
import { isRetryStorage, type ExecutionStorage, type RetryStorage } from '../storage/storage.js'
import type {
  ExecutionQuery, ExecutionRecord, StoredExecution, ExecutionResult, FailedExecution, InstanceRecord, LogEntry, LogQuery, RetryQuery,
  RetryStatistics, SpanNode, SpanRecord, TaskResult, WorkflowShape
} from '../types.js'
import { preview } from './preview.js'

/** An execution in a list: its record without the input. */
type ExecutionSummary = Omit<StoredExecution, 'input'> & { duration?: number }

/** One task of an execution page. */
interface TaskView extends Omit<TaskResult, 'output'> {
  /** The output as JSON text, cut at 4 KiB. */
  outputPreview?: string
}

/** One execution page's data. */
interface ExecutionView {
  execution: ExecutionSummary & { progress: number, inputPreview?: string }
  tasks: TaskView[]
}

/** A workflow's graph: every task with its dependencies (and handler, ordering and map markers), and the stage plan. */
export type WorkflowGraph = Omit<WorkflowShape, 'definitionHash'> & { definitionHash?: string }

/** An execution record as lists show it: without its input, with its duration once ended. */
export function summaryOf (record: StoredExecution | ExecutionRecord): ExecutionSummary {
  const { input: _input, ...rest } = record
  const summary: ExecutionSummary = rest
  if (record.endedAt !== undefined) summary.duration = Math.round((record.endedAt - record.startedAt) * 1000) / 1000
  return summary
}

/** The console's reads (and the storage's retry side for abandon), over an engine or a storage alone. */
export class HistoryReader {
  readonly #storage: ExecutionStorage
  readonly #engine: Engine | undefined

  constructor (storage: ExecutionStorage, engine?: Engine) {
    this.#storage = storage
    this.#engine = engine
  }

  get engine (): Engine | undefined { return this.#engine }
  get storage (): ExecutionStorage { return this.#storage }

  /** Executions newest first, without their inputs. */
  async list (query: ExecutionQuery): Promise<ExecutionSummary[]> {
    const records = this.#engine !== undefined ? await this.#engine.listExecutions(query) : await this.#storage.listExecutions(query)
    return records.map(summaryOf)
  }

  /**
   * The result of an execution: live from the engine when it runs there, else from storage.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND
   */
  async result (id: string): Promise<ExecutionResult> {
    if (this.#engine !== undefined) return this.#engine.getExecutionResult(id)
    return storedResult(this.#storage, await storedRecord(this.#storage, id))
  }

  /**
   * One execution with its tasks: live from the engine when it runs there, else from storage.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND
   */
  async execution (id: string): Promise<ExecutionView> {
    const record = await this.#storage.getExecution(id)
    const result = this.#engine !== undefined
      ? await this.#engine.getExecutionResult(id)
      : await storedResult(this.#storage, record ?? await storedRecord(this.#storage, id))
    const tasks: TaskView[] = []
    let settled = 0
    let completed = 0
    let failed = 0
    for (const t of Object.values(result.tasks)) {
      const { output, ...rest } = t
      const view: TaskView = rest
      if (output !== undefined) view.outputPreview = preview(output)
      tasks.push(view)
      if (t.status !== 'pending' && t.status !== 'running') settled++
      if (t.status === 'success') completed++
      if (t.status === 'failed') failed++
    }
    const total = record?.totalTasks ?? tasks.length
    const execution: ExecutionView['execution'] = {
      ...(record !== undefined ? summaryOf(record) : {}),
      executionId: result.executionId,
      workflowId: result.workflowId,
      workflowVersion: record?.workflowVersion ?? '',
      definitionHash: record?.definitionHash ?? '',
      instanceId: record?.instanceId ?? this.#engine?.instanceId ?? '',
      // a live result is newer than what storage has so far
      status: result.status,
      startedAt: result.startedAt,
      updatedAt: record?.updatedAt ?? result.endedAt,
      totalTasks: total,
      completedTasks: completed,
      failedTasks: failed,
      progress: total === 0 ? 100 : Math.round((settled / total) * 10000) / 100
    }
    if (result.status !== 'running') {
      execution.endedAt = result.endedAt
      execution.duration = result.duration
    } else {
      delete execution.endedAt
      delete execution.duration
    }
    if (result.error !== undefined) execution.error = result.error
    if (result.retryOf !== undefined) execution.retryOf = result.retryOf
    if (record !== undefined && record.input.byteLength > 0) execution.inputPreview = preview(fromStorageBytes(record.input))
    return { execution, tasks }
  }

  /** Log lines of an execution, oldest first. */
  logs (id: string, query: LogQuery): Promise<LogEntry[]> {
    return this.#engine !== undefined ? this.#engine.getExecutionLogs(id, query) : this.#storage.getLogs(id, query)
  }

  /** Spans of an execution, flat, ordered by start time. */
  async spans (id: string): Promise<SpanRecord[]> {
    if (this.#engine === undefined) return this.#storage.getSpans(id)
    const out: SpanRecord[] = []
    const walk = (nodes: SpanNode[]): void => {
      for (const { children, ...span } of nodes) {
        out.push(span)
        walk(children)
      }
    }
    walk(await this.#engine.getExecutionTrace(id))
    return out.sort((a, b) => a.startTime - b.startTime)
  }

  /** The graph of a workflow this console's engine has published; undefined otherwise. */
  graph (workflowId: string): WorkflowGraph | undefined {
    const workflow = this.#engine?.getWorkflow(workflowId)
    if (workflow === undefined) return undefined
    const plan = this.#engine!.getExecutionPlan(workflowId)
    return {
      workflowId,
      definitionHash: plan.definitionHash,
      version: workflow.version,
      tasks: workflow.tasks.map(t => {
        const task: WorkflowGraph['tasks'][number] = { id: t.id, name: t.name, dependsOn: t.dependsOn, handler: t.handler }
        if (t.after !== undefined) task.after = t.after
        if (t.map !== undefined) task.map = t.map
        return task
      }),
      stages: plan.stages,
      criticalPath: plan.criticalPath
    }
  }

  /**
   * The graph of the definition an execution ran: the shape storage keeps with its hash
   * (so without the workflow's code), else this console's engine's own definition when
   * it is that one. A record not yet written (`definitionHash` empty: the execution is
   * live on the engine) and a shape not yet written both come from the engine. Undefined
   * when neither has it.
   */
  async graphOf (record: Pick<StoredExecution, 'workflowId' | 'definitionHash'>): Promise<WorkflowGraph | undefined> {
    if (record.definitionHash !== '' && this.#storage.getWorkflowShape !== undefined) {
      const stored = await this.#storage.getWorkflowShape(record.definitionHash)
      if (stored !== undefined) return stored
    }
    const live = this.graph(record.workflowId)
    if (live === undefined) return undefined
    if (record.definitionHash === '' || record.definitionHash === live.definitionHash) return live
    return undefined
  }

  /** The storage's retry side, when it has one. */
  retryStorage (): (RetryStorage & ExecutionStorage) | undefined {
    return isRetryStorage(this.#storage) ? this.#storage : undefined
  }

  /** Failure cases and retry statistics; undefined when the storage keeps none. */
  async failures (query: RetryQuery): Promise<{ failures: FailedExecution[], statistics: RetryStatistics } | undefined> {
    if (this.#engine !== undefined && this.retryStorage() !== undefined) {
      return { failures: await this.#engine.getFailedExecutions(query), statistics: await this.#engine.getRetryStatistics() }
    }
    const retries = this.retryStorage()
    if (retries === undefined) return undefined
    return { failures: await failedExecutions(retries, query), statistics: await retries.retryStatistics() }
  }

  /** Instances sharing the storage, latest heartbeat first; empty where the storage does not list them. */
  async instances (): Promise<InstanceRecord[]> {
    return (await this.retryStorage()?.listInstances?.()) ?? []
  }
}
