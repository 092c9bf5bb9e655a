/**
 * What ran: executions live on this instance, finished ones kept for a while
 * for queries, and everything older read back from storage. Reads see every
 * write recorded before them (the recorder is flushed first), unless storage
 * does not take them within `readWait`: then a read answers from what storage
 * has rather than wait out an outage behind the writer.
 */
import type { Execution } from '../runtime/execution.js'
import { statusInfoOf } from '../runtime/execution-records.js'
import type { Recorder } from '../telemetry/recorder.js'
import type { ExecutionStorage } from '../storage/storage.js'
import type {
  ExecutionQuery, ExecutionRecord, StoredExecution, ExecutionResult, ExecutionStatusInfo, LogEntry, LogQuery, SpanNode
} from '../types.js'
import { fromStorageBytes } from '../wire/values.js'
import { spanTree, storedRecord, storedResult } from './stored-reads.js'

interface HistoryOptions {
  /** Finished executions kept in memory. */
  retainExecutions: number
  /** How long they are kept, in ms. */
  retainFor: number
  /** How long a read waits for buffered writes, in ms. */
  readWait: number
}

export class ExecutionHistory {
  readonly #storage: ExecutionStorage
  readonly #recorder: Recorder
  readonly #options: HistoryOptions
  readonly #live = new Map<string, Execution>()
  // Finished executions, oldest first, kept for queries until retention evicts them.
  readonly #finished = new Map<string, { exec: Execution, at: number }>()

  constructor (storage: ExecutionStorage, recorder: Recorder, options: HistoryOptions) {
    this.#storage = storage
    this.#recorder = recorder
    this.#options = options
  }

  /** Executions running on this instance. */
  get running (): number { return this.#live.size }

  started (exec: Execution): void {
    this.#live.set(exec.id, exec)
  }

  /** A running execution of this instance, or undefined. */
  live (executionId: string): Execution | undefined {
    return this.#live.get(executionId)
  }

  /** Every execution running on this instance. */
  liveExecutions (): Execution[] {
    return [...this.#live.values()]
  }

  finished (exec: Execution): void {
    this.#live.delete(exec.id)
    const at = Date.now()
    this.#finished.set(exec.id, { exec, at })
    const { retainExecutions, retainFor } = this.#options
    for (const [id, entry] of this.#finished) {
      if (this.#finished.size <= retainExecutions && entry.at >= at - retainFor) break
      this.#finished.delete(id)
    }
  }

  /**
   * Progress of an execution: live on this instance, or from storage.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND
   */
  async status (executionId: string): Promise<ExecutionStatusInfo> {
    const exec = this.#live.get(executionId) ?? this.#finished.get(executionId)?.exec
    if (exec !== undefined) return statusInfoOf(exec)
    const record = await this.#record(executionId)
    const total = record.totalTasks
    const tasks = await this.#storage.getTaskResults(executionId)
    let settled = 0
    let running = 0
    let skipped = 0
    for (const t of tasks) {
      if (t.status === 'running') running++
      else if (t.status !== 'pending') settled++
      if (t.status === 'skipped') skipped++
    }
    return {
      executionId,
      workflowId: record.workflowId,
      status: record.status,
      progress: total === 0 ? 100 : Math.round((settled / total) * 10000) / 100,
      totalTasks: total,
      completedTasks: record.completedTasks,
      failedTasks: record.failedTasks,
      runningTasks: running,
      skippedTasks: skipped,
      startedAt: record.startedAt,
      updatedAt: record.updatedAt
    }
  }

  /**
   * The result of an execution: finished or running on this instance, or rebuilt from storage.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND
   */
  async result (executionId: string): Promise<ExecutionResult> {
    const finished = this.#finished.get(executionId)
    if (finished !== undefined) return finished.exec.result!
    const exec = this.#live.get(executionId)
    if (exec !== undefined) return exec.liveResult()
    return storedResult(this.#storage, await this.#record(executionId))
  }

  /** Log lines of an execution (the engine's and its handlers'), oldest first. */
  async logs (executionId: string, query: LogQuery): Promise<LogEntry[]> {
    await this.#flushed()
    return this.#storage.getLogs(executionId, query)
  }

  /** The spans of an execution as a tree: the execution's root span with one child per task attempt. */
  async trace (executionId: string): Promise<SpanNode[]> {
    await this.#flushed()
    return spanTree(await this.#storage.getSpans(executionId))
  }

  /** Execution records from storage, newest first, each with the input as the value given. */
  async list (query: ExecutionQuery): Promise<ExecutionRecord[]> {
    await this.#flushed()
    const stored = await this.#storage.listExecutions(query)
    const records: ExecutionRecord[] = new Array(stored.length)
    for (let i = 0; i < stored.length; i++) records[i] = { ...stored[i], input: fromStorageBytes(stored[i].input) }
    return records
  }

  // Reads see every write recorded before them, if storage takes them within readWait.
  async #flushed (): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<void>(resolve => { timer = setTimeout(resolve, this.#options.readWait) })
    const flushed = this.#recorder.ready().then(() => this.#recorder.flush(), () => {})
    await Promise.race([flushed, waited])
    clearTimeout(timer)
  }

  async #record (executionId: string): Promise<StoredExecution> {
    await this.#flushed()
    return storedRecord(this.#storage, executionId)
  }

  /** Reads made by other parts (manual retry) see every write recorded before them. */
  flushed (): Promise<void> {
    return this.#flushed()
  }
}
