import { hostname } from 'node:os'
import v8 from 'node:v8'
import type { Logger } from 'pino'
import {
  EngineClosedError, EngineError, ErrorCodes, HandlerError, InvalidOptionsError, NotFoundError, QueueFullError
} from './errors.js'
import { createWorkflow, isWorkflow, validateId, type Workflow, type WorkflowBuilder } from './workflow/builder.js'
import { compilePlan, type ExecutionPlan, type Plan } from './workflow/planner.js'
import { EventBus, type EngineEventType, type EngineListener } from './event-bus.js'
import { Execution, executionResultOf, taskResultOf } from './runtime/execution.js'
import { Scheduler, type SchedulerStats } from './runtime/scheduler.js'
import { now } from './telemetry/execution-telemetry.js'
import { Recorder } from './telemetry/recorder.js'
import type { TracerStats } from './telemetry/tracer-options.js'
import { resolveOptions, type EngineOptions, type ResolvedEngineOptions } from './options.js'
import { newExecutionId, newInstanceId, newSpanId, newTraceId } from './ids.js'
import type {
  ExecutionQuery, ExecutionRecord, ExecutionResult, ExecutionStatusInfo, LogEntry, LogQuery, SpanNode, TaskResult
} from './types.js'
import { isRetryStorage, type ExecutionStorage } from './storage/storage.js'
import { fromStorageBytes, type Packet } from './runtime/wire.js'
import { RetryManager, type ManualRetryOptions } from './history/retry-manager.js'
import type { FailedExecution, RetryQuery, RetryRecord, RetryStatistics } from './types.js'

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

/**
 * Runs DAG workflows of CPU-heavy tasks on a pool of worker threads.
 *
 * ```ts
 * const engine = new Engine()
 * await engine.publishWorkflow(workflow)
 * const result = await engine.execute('image-pipeline', { width: 512 })
 * await engine.close()
 * ```
 */
export class Engine {
  readonly #options: ResolvedEngineOptions
  readonly #logger: Logger
  readonly #events: EventBus
  readonly #recorder: Recorder
  readonly #scheduler: Scheduler
  readonly #storage: ExecutionStorage
  readonly #workflows = new Map<string, { workflow: Workflow, plan: Plan }>()
  readonly #live = new Map<string, Execution>()
  // Finished executions, oldest first, kept for queries until retention evicts them.
  readonly #finished = new Map<string, { result: ExecutionResult, exec: Execution, at: number }>()
  readonly #instanceId: string
  readonly #retries: RetryManager | null
  #executionsStarted = 0
  #closed = false
  #closing: Promise<void> | null = null

  /**
   * @throws {InvalidOptionsError} naming the option that is wrong
   */
  constructor (options: EngineOptions = {}) {
    this.#options = resolveOptions(options)
    this.#logger = this.#options.logger
    this.#instanceId = this.#options.instanceId ?? newInstanceId(hostname())
    this.#storage = this.#options.storage
    this.#events = new EventBus(this.#logger)
    this.#recorder = new Recorder(this.#storage, this.#options.tracer, this.#logger)
    this.#scheduler = new Scheduler(this.#options, this.#recorder, this.#events, this.#logger)
    this.#scheduler.onFinished = exec => this.#onFinished(exec)
    // Storage connects on first use; a server that is down delays writes, never executions.
    this.#recorder.ready().catch(err => this.#logger.warn({ err }, 'storage not available yet; writes will be retried'))
    const storage = this.#storage
    this.#retries = isRetryStorage(storage)
      ? new RetryManager(storage, this.#events, this.#logger, {
        instanceId: this.#instanceId,
        heartbeatInterval: this.#options.heartbeatInterval,
        heartbeatTimeout: this.#options.heartbeatTimeout
      }, record => this.#recorder.recordRetry(record))
      : null
    this.#retries?.start()
  }

  /** The id this instance writes into execution records. */
  get instanceId (): string {
    return this.#instanceId
  }

  /** A builder whose `build()` gives a workflow to publish on this engine. */
  createWorkflow (id: string): WorkflowBuilder {
    return createWorkflow(id)
  }

  /**
   * Registers a workflow in memory. Handler modules are loaded in a worker now,
   * so a missing module or a non-function export fails here, not at the first run.
   * @throws {HandlerError} HANDLER_NOT_FOUND, HANDLER_NOT_FUNCTION, HANDLER_LOAD_FAILED (with the
   *   file, line and column where V8 gives them) or HANDLER_LOAD_TIMEOUT (past `handlerLoadTimeout`)
   * @throws {EngineError} WORKFLOW_EXISTS when another definition has the same id (use `{ replace: true }`)
   */
  async publishWorkflow (workflow: Workflow, options: { replace?: boolean } = {}): Promise<void> {
    if (this.#closed) throw new EngineClosedError()
    if (!isWorkflow(workflow)) {
      throw new InvalidOptionsError('publishWorkflow expects a workflow built with createWorkflow(id)...build()')
    }
    const plan = compilePlan(workflow, this.#options.retry)
    const existing = this.#workflows.get(workflow.id)
    if (existing !== undefined && existing.plan.hash !== plan.hash && options.replace !== true) {
      throw new EngineError(ErrorCodes.WORKFLOW_EXISTS,
        `workflow "${workflow.id}" is already published with another definition; pass { replace: true } to replace it`)
    }
    const problems = await this.#scheduler.validateHandlers([...new Set(plan.handlers)])
    if (problems.length > 0) {
      const first = problems[0]
      const tasks = workflow.tasks.filter(t => t.handler === first.handler).map(t => `"${t.id}"`).join(', ')
      throw new HandlerError(first.code, `workflow "${workflow.id}", task ${tasks}: ${first.message}` +
        (problems.length > 1 ? ` (and ${problems.length - 1} more handler problem${problems.length > 2 ? 's' : ''})` : ''))
    }
    this.#workflows.set(workflow.id, { workflow, plan })
    if (this.#events.has('workflow.published')) {
      this.#events.emit('workflow.published', { workflowId: workflow.id, version: workflow.version, tasks: plan.size, time: now() })
    }
  }

  getWorkflow (id: string): Workflow | undefined {
    return this.#workflows.get(id)?.workflow
  }

  listWorkflows (): Workflow[] {
    return [...this.#workflows.values()].map(w => w.workflow)
  }

  /** Removes a workflow; executions already running go on. Returns whether it existed. */
  deleteWorkflow (id: string): boolean {
    return this.#workflows.delete(id)
  }

  /** The stage plan and critical path of a published workflow. */
  getExecutionPlan (workflowId: string): ExecutionPlan {
    return this.#published(workflowId).plan.display
  }

  /**
   * Runs a workflow and resolves with its result in every terminal state
   * (success, failed, cancelled). Rejects only on misuse.
   * @throws {NotFoundError} WORKFLOW_NOT_FOUND
   * @throws {EngineClosedError} after close()
   * @throws {EngineError} INVALID_INPUT when the input cannot be serialised
   * @throws {QueueFullError} beyond maxQueuedTasks
   */
  async execute (workflowId: string, input?: unknown, options: ExecuteOptions = {}): Promise<ExecutionResult> {
    return this.#start(workflowId, input, options).done
  }

  /** Starts an execution and returns its id at once. Misuse rejects as with `execute`. */
  async executeAsync (workflowId: string, input?: unknown, options: ExecuteOptions = {}): Promise<string> {
    return this.#start(workflowId, input, options).id
  }

  #published (workflowId: string): { workflow: Workflow, plan: Plan } {
    const entry = this.#workflows.get(workflowId)
    if (entry === undefined) {
      throw new NotFoundError(ErrorCodes.WORKFLOW_NOT_FOUND,
        `workflow "${workflowId}" is not published on this engine (published: ${[...this.#workflows.keys()].join(', ') || 'none'})`)
    }
    return entry
  }

  #start (workflowId: string, input: unknown, options: ExecuteOptions, retryOf?: string,
    prepare?: (exec: Execution) => void, inputBytes?: Uint8Array): Execution {
    if (this.#closed) throw new EngineClosedError()
    const { plan } = this.#published(workflowId)
    if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('execute options must be an object')
    const { signal, timeout } = options
    if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0)) {
      throw new InvalidOptionsError('timeout must be a positive number of ms')
    }
    if (signal !== undefined && (typeof signal !== 'object' || typeof signal.addEventListener !== 'function')) {
      throw new InvalidOptionsError('signal must be an AbortSignal')
    }
    let bytes: Uint8Array
    try {
      bytes = inputBytes ?? v8.serialize(input)
    } catch (err) {
      throw new EngineError(ErrorCodes.INVALID_INPUT,
        `input of workflow "${workflowId}" cannot be serialised: ${(err as Error).message}`, { cause: err })
    }
    if (this.#scheduler.pendingTasks + plan.size > this.#options.maxQueuedTasks) {
      throw new QueueFullError(this.#options.maxQueuedTasks, plan.size)
    }
    const packet: Packet = { bytes, oob: null }
    const exec = new Execution(newExecutionId(), plan, packet, bytes, this.#instanceId, now(),
      newTraceId(), newSpanId(), retryOf)
    prepare?.(exec)
    this.#scheduler.pendingTasks += plan.size - exec.settled
    this.#live.set(exec.id, exec)
    this.#executionsStarted++
    this.#recorder.recordExecution(exec.record())
    // Outputs reused by a resume belong to this execution too: a later resume starts from here.
    for (let i = 0; exec.settled > 0 && i < plan.size; i++) {
      if (exec.reusedFrom[i] !== undefined) this.#recorder.recordTask(exec.taskRecord(i))
    }
    this.#scheduler.telemetry.log(exec, undefined, 'info', `execution of "${workflowId}" started${retryOf === undefined ? '' : ` (retry of ${retryOf})`}`)
    if (this.#events.has('execution.started')) {
      this.#events.emit('execution.started', { executionId: exec.id, workflowId, time: exec.startedAt, ...(retryOf === undefined ? {} : { retryOf }) })
    }
    if (timeout !== undefined || signal !== undefined) this.#watch(exec, signal, timeout)
    if (exec.status === 'running') this.#scheduler.start(exec)
    return exec
  }

  #watch (exec: Execution, signal: AbortSignal | undefined, timeout: number | undefined): void {
    let timer: NodeJS.Timeout | undefined
    const onAbort = (): void => this.#scheduler.stop(exec, ErrorCodes.CANCELLED,
      `cancelled by the caller's signal${signal?.reason instanceof Error ? `: ${signal.reason.message}` : ''}`)
    if (timeout !== undefined) {
      timer = setTimeout(() => this.#scheduler.stop(exec, ErrorCodes.EXECUTION_TIMEOUT,
        `execution timed out after ${timeout} ms`), timeout)
    }
    if (signal !== undefined) {
      if (signal.aborted) queueMicrotask(onAbort)
      else signal.addEventListener('abort', onAbort, { once: true })
    }
    exec.cleanup = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  #onFinished (exec: Execution): void {
    exec.cleanup?.()
    const result = exec.buildResult()
    exec.result = result
    this.#live.delete(exec.id)
    this.#recorder.recordExecution(exec.record())
    this.#scheduler.telemetry.rootSpan(exec)
    const level = exec.status === 'success' ? 'info' : exec.status === 'cancelled' ? 'warn' : 'error'
    this.#scheduler.telemetry.log(exec, undefined, level, `execution ${exec.status} in ${result.duration} ms` +
      (exec.error === undefined ? '' : `: ${exec.error.code}: ${exec.error.message}`))
    const base = { executionId: exec.id, workflowId: exec.workflowId, time: exec.endedAt, status: exec.status, duration: result.duration }
    if (exec.status === 'success') {
      if (this.#events.has('execution.completed')) this.#events.emit('execution.completed', base)
    } else if (exec.status === 'cancelled') {
      if (this.#events.has('execution.cancelled')) this.#events.emit('execution.cancelled', { ...base, reason: exec.error?.message ?? 'cancelled' })
    } else if (this.#events.has('execution.failed')) {
      this.#events.emit('execution.failed', { ...base, error: exec.error! })
    }
    this.#retries?.onFinished(exec)
    exec.release()
    this.#retain(exec, result)
    exec.resolve(result)
  }

  #retain (exec: Execution, result: ExecutionResult): void {
    const at = Date.now()
    this.#finished.set(exec.id, { result, exec, at })
    const { retainExecutions, retainFor } = this.#options
    for (const [id, entry] of this.#finished) {
      if (this.#finished.size <= retainExecutions && entry.at >= at - retainFor) break
      this.#finished.delete(id)
    }
  }

  /**
   * Cancels a running execution: tasks in flight are stopped (their workers
   * terminated after the grace period), pending ones marked cancelled.
   * Resolves false when the execution is not running on this instance.
   */
  async cancelExecution (executionId: string): Promise<boolean> {
    const exec = this.#live.get(executionId)
    if (exec === undefined) return false
    this.#scheduler.stop(exec, ErrorCodes.CANCELLED, 'cancelled by cancelExecution()')
    return true
  }

  /**
   * Progress of an execution: live on this instance, or from storage.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND
   */
  async getExecutionStatus (executionId: string): Promise<ExecutionStatusInfo> {
    const exec = this.#live.get(executionId) ?? this.#finished.get(executionId)?.exec
    if (exec !== undefined) return exec.statusInfo()
    const record = await this.#record(executionId)
    const total = record.totalTasks
    const tasks = await this.#storage.getTaskResults(executionId)
    const settled = tasks.filter(t => t.status !== 'pending' && t.status !== 'running').length
    return {
      executionId,
      workflowId: record.workflowId,
      status: record.status,
      progress: total === 0 ? 100 : Math.round((settled / total) * 10000) / 100,
      totalTasks: total,
      completedTasks: record.completedTasks,
      failedTasks: record.failedTasks,
      runningTasks: tasks.filter(t => t.status === 'running').length,
      skippedTasks: tasks.filter(t => t.status === 'skipped').length,
      startedAt: record.startedAt,
      updatedAt: record.updatedAt
    }
  }

  /**
   * The result of an execution: finished or running on this instance, or rebuilt from storage.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND
   */
  async getExecutionResult (executionId: string): Promise<ExecutionResult> {
    const finished = this.#finished.get(executionId)
    if (finished !== undefined) return finished.result
    const exec = this.#live.get(executionId)
    if (exec !== undefined) return exec.buildResult()
    const record = await this.#record(executionId)
    const tasks: Record<string, TaskResult> = {}
    for (const t of await this.#storage.getTaskResults(executionId)) {
      tasks[t.taskId] = taskResultOf(t, t.output !== undefined && t.status === 'success' ? fromStorageBytes(t.output) : undefined)
    }
    return executionResultOf(record, tasks)
  }

  /** Log lines of an execution (the engine's and its handlers'), oldest first. */
  async getExecutionLogs (executionId: string, query: LogQuery = {}): Promise<LogEntry[]> {
    await this.#flushed()
    return this.#storage.getLogs(executionId, query)
  }

  /** The spans of an execution as a tree: the execution's root span with one child per task attempt. */
  async getExecutionTrace (executionId: string): Promise<SpanNode[]> {
    await this.#flushed()
    const spans = await this.#storage.getSpans(executionId)
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

  /** Execution records from storage, newest first. */
  async listExecutions (query: ExecutionQuery = {}): Promise<ExecutionRecord[]> {
    await this.#flushed()
    return this.#storage.listExecutions(query)
  }

  // Reads see every write recorded before them.
  async #flushed (): Promise<void> {
    await this.#recorder.ready()
    await this.#recorder.flush()
  }

  async #record (executionId: string): Promise<ExecutionRecord> {
    await this.#flushed()
    const record = await this.#storage.getExecution(executionId)
    if (record === undefined) {
      throw new NotFoundError(ErrorCodes.EXECUTION_NOT_FOUND, `no execution with id "${executionId}"`)
    }
    return record
  }

  #retryManager (): RetryManager {
    if (this.#retries === null) {
      throw new EngineError(ErrorCodes.INVALID_OPTIONS, `storage "${this.#storage.kind}" does not implement RetryStorage; manual retry needs it`)
    }
    return this.#retries
  }

  /**
   * Failure cases that can be retried (status pending or retrying by default), oldest
   * first, each with its failure reason and manual retry history.
   */
  async getFailedExecutions (query: RetryQuery = {}): Promise<FailedExecution[]> {
    const retries = this.#retryManager()
    await this.#flushed()
    return retries.list(query)
  }

  /**
   * Retries a failed or interrupted execution as a new execution linked to it
   * (`retryOf`), and resolves like `execute`. Works from any instance that shares
   * the storage and has published the workflow.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND, WORKFLOW_NOT_FOUND (not published here)
   * @throws {RetryError} RETRY_NOT_ALLOWED (abandoned, recovered, not a failure), RETRY_CONFLICT (claimed by another caller), DEFINITION_CHANGED
   */
  async manualRetry (executionId: string, options: ManualRetryOptions = {}): Promise<ExecutionResult> {
    if (this.#closed) throw new EngineClosedError()
    const retries = this.#retryManager()
    await this.#flushed()
    const launch = await retries.claim(executionId, options, id => this.#workflows.get(id)?.plan)
    let exec: Execution
    try {
      exec = this.#start(launch.record.workflowId, undefined, {}, launch.record.executionId, launch.prepare, launch.input)
    } catch (err) {
      retries.release(launch)
      throw err
    }
    return exec.done
  }

  /**
   * Closes a failure case without retrying it; it is listed as abandoned.
   * @throws {RetryError} RETRY_NOT_ALLOWED when it is not pending
   */
  async abandonRetry (executionId: string, reason = 'abandoned'): Promise<RetryRecord> {
    const retries = this.#retryManager()
    await this.#flushed()
    return retries.abandon(executionId, reason)
  }

  /** Totals over every failure case in storage; zeros on an empty database. */
  async getRetryStatistics (): Promise<RetryStatistics> {
    const retries = this.#retryManager()
    await this.#flushed()
    return retries.statistics()
  }

  on<T extends EngineEventType> (type: T, listener: EngineListener<T>): this {
    this.#events.on(type, listener)
    return this
  }

  off<T extends EngineEventType> (type: T, listener: EngineListener<T>): this {
    this.#events.off(type, listener)
    return this
  }

  /** Writes everything recorded so far to storage. */
  flush (): Promise<void> {
    return this.#recorder.flush()
  }

  stats (): EngineStats {
    return {
      instanceId: this.#instanceId,
      threads: this.#options.threads,
      executionsRunning: this.#live.size,
      executionsStarted: this.#executionsStarted,
      scheduler: this.#scheduler.stats(),
      tracer: this.#recorder.stats()
    }
  }

  /**
   * Stops accepting work, lets running executions finish (or cancels them),
   * writes what is buffered to storage, and destroys the pool. Idempotent.
   */
  close (options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options)
    return this.#closing
  }

  async #close (options: CloseOptions): Promise<void> {
    this.#closed = true
    const running = [...this.#live.values()]
    if (options.cancel === true) {
      for (const exec of running) this.#scheduler.stop(exec, ErrorCodes.CANCELLED, 'cancelled by close()')
    }
    await Promise.all(running.map(e => e.done))
    await this.#retries?.close()
    await this.#recorder.close(this.#options.closeTimeout)
    await this.#scheduler.close()
    await this.#storage.close()
  }
}
