/**
 * The engine: the package's facade, and longer than the other files for that reason.
 * Each method checks its arguments and hands the work to the part that owns it:
 * runtime/ (the scheduler and executions on the main thread), history/ (records,
 * manual retry, shapes), telemetry/, queue/ (serve), the cache. What is here is the
 * wiring between them and the documentation of the public API.
 */
import { hostname } from 'node:os'
import type { Logger } from 'pino'
import { EngineClosedError, ErrorCodes, InvalidOptionsError, StorageError } from './errors.js'
import {
  checkCloseOptions, checkExecuteOptions, checkPublishOptions, workflowIdOf,
  type CloseOptions, type ExecuteArgs, type ExecuteOptions, type PublishOptions
} from './execute-options.js'
import type { EngineStats } from './stats.js'
import { ExecutionWatchers } from './runtime/watchers.js'
import { shutDown } from './shutdown.js'
import { createWorkflow, type Workflow, type WorkflowBuilder } from './workflow/builder.js'
import type { WorkflowOutputs } from './workflow/typed.js'
import type { ExecutionPlan } from './workflow/planner.js'
import { WorkflowRegistry } from './workflow/registry.js'
import { checkCacheFilter, checkExecutionQuery, checkLogQuery, checkRetryQuery } from './query-options.js'
import { EventBus, type EngineEventType, type EngineListener } from './event-bus.js'
import type { Execution } from './runtime/execution.js'
import { Launcher, type StartExtra } from './runtime/launcher.js'
import { now } from './clock.js'
import { Lifecycle } from './runtime/lifecycle.js'
import { Scheduler } from './runtime/scheduler.js'
import { ResultCache } from './runtime/result-cache.js'
import type { CacheFilter } from './storage/cache-storage.js'
import { Recorder, storageName } from './telemetry/recorder.js'
import { OpenTelemetry } from './telemetry/otel/open-telemetry.js'
import { parseTraceparent } from './telemetry/span-ids.js'
import { resolveOptions, type EngineOptions, type ResolvedEngineOptions } from './options.js'
import { newInstanceId } from './ids.js'
import type {
  ExecutionQuery, ExecutionRecord, ExecutionResult, ExecutionStatusInfo, LogEntry, LogQuery, SpanNode
} from './types.js'
import { isRetryStorage, type ExecutionStorage } from './storage/storage.js'
import { ExecutionHistory } from './history/execution-history.js'
import { WorkflowShapes } from './history/workflow-shapes.js'
import { checkManualRetryOptions, RetryManager, type ManualRetryOptions } from './history/retry-manager.js'
import type { FailedExecution, RetryQuery, RetryRecord, RetryStatistics } from './types.js'
import { kExecuteUnder, kOnClose } from './engine-symbols.js'
import type { ExecutionQueue } from './queue/execution-queue.js'
import type { ServeOptions } from './queue/queue-options.js'
import { serveQueue, type QueueServer } from './queue/server.js'
import { answers, type Readiness } from './queue/readiness.js'
import { rejectUnknownKeys } from './option-keys.js'

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
  readonly #lifecycle: Lifecycle
  readonly #scheduler: Scheduler
  readonly #storage: ExecutionStorage
  readonly #workflows: WorkflowRegistry
  readonly #history: ExecutionHistory
  readonly #instanceId: string
  readonly #retries: RetryManager | null
  readonly #watchers: ExecutionWatchers
  readonly #otel: OpenTelemetry
  readonly #launcher: Launcher
  readonly #shapes: WorkflowShapes
  readonly #cache: ResultCache
  readonly #consoles = new Set<() => Promise<void>>()
  #closed = false
  #closing: Promise<void> | null = null
  #server: QueueServer | null = null

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
    this.#otel = new OpenTelemetry(this.#options.openTelemetry, this.#logger, () => this.stats())
    this.#lifecycle = new Lifecycle(this.#recorder, this.#events, this.#logger, this.#options.executionLogLevel, this.#otel)
    this.#cache = new ResultCache(this.#storage, this.#logger)
    this.#scheduler = new Scheduler(this.#options, this.#lifecycle, { executionFinished: exec => this.#onFinished(exec) }, this.#logger, this.#recorder, this.#cache)
    this.#watchers = new ExecutionWatchers((exec, code, message) => this.#scheduler.stop(exec, code, message))
    this.#workflows = new WorkflowRegistry(this.#options.retry, specs => this.#scheduler.validateHandlers(specs), plan => this.#cache.prepare(plan))
    this.#history = new ExecutionHistory(this.#storage, this.#recorder, this.#options)
    this.#shapes = new WorkflowShapes(this.#storage, this.#logger, () => this.#recorder.ready())
    this.#launcher = new Launcher({
      options: this.#options,
      instanceId: this.#instanceId,
      workflows: this.#workflows,
      scheduler: this.#scheduler,
      recorder: this.#recorder,
      history: this.#history,
      lifecycle: this.#lifecycle,
      watchers: this.#watchers,
      otel: this.#otel
    })
    // Storage connects now: executions wait for its first answer (see #storageAnswers); the
    // recorder says once that it is down, and once that it answers again.
    this.#recorder.ready().catch(() => {})
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

  /** Where this engine records its history. */
  get storage (): ExecutionStorage {
    return this.#storage
  }

  /** Registers something to close with the engine (a console served over it), before its storage. */
  [kOnClose] (close: () => Promise<void>): () => void {
    this.#consoles.add(close)
    return () => { this.#consoles.delete(close) }
  }

  /** A builder whose `build()` gives a workflow to publish on this engine. */
  createWorkflow (id: string): WorkflowBuilder<{}, unknown> {
    return createWorkflow(id)
  }

  /**
   * Registers a workflow in memory. Handler modules are loaded in a worker now,
   * so a missing module or a non-function export fails here, not at the first run.
   * @throws {HandlerError} HANDLER_NOT_FOUND, HANDLER_NOT_FUNCTION, HANDLER_LOAD_FAILED (with the
   *   file, line and column where V8 gives them) or HANDLER_LOAD_TIMEOUT (past `handlerLoadTimeout`)
   * @throws {EngineError} WORKFLOW_EXISTS when another definition has the same id (use `{ replace: true }`)
   */
  async publishWorkflow (workflow: Workflow, options?: PublishOptions): Promise<void> {
    if (this.#closed) throw new EngineClosedError()
    const { replace } = checkPublishOptions(options)
    // Executions need a published workflow: by the first one, OpenTelemetry is loaded (or absent).
    await this.#otel.load()
    const plan = await this.#workflows.publish(workflow, replace === true)
    this.#shapes.keep(plan)
    if (this.#events.has('workflow.published')) {
      this.#events.emit('workflow.published', { workflowId: workflow.id, version: workflow.version, tasks: plan.size, time: now() })
    }
  }

  getWorkflow (id: string): Workflow | undefined {
    return this.#workflows.get(id)
  }

  listWorkflows (): Workflow[] {
    return this.#workflows.list()
  }

  /** Removes a workflow; executions already running go on. Returns whether it existed. */
  deleteWorkflow (id: string): boolean {
    return this.#workflows.delete(id)
  }

  /**
   * The stage plan and critical path of a published workflow, with the critical path
   * estimated from the run times measured so far (`estimatedCriticalPath`).
   * @throws {NotFoundError} WORKFLOW_NOT_FOUND
   */
  getExecutionPlan (workflowId: string): ExecutionPlan {
    const plan = this.#workflows.plan(workflowId)
    return { ...plan.display, estimatedCriticalPath: this.#scheduler.estimatedCriticalPath(plan) }
  }

  /**
   * Runs a published workflow and resolves with its result in every terminal state
   * (success, failed, cancelled). Rejects only on misuse. Give the workflow by id, or
   * the built workflow itself (it must be published) for a result typed from its
   * handlers: `result.tasks.resize.output` then has the handler's return type, an
   * unknown task id does not compile, and `input` must fit what the handlers take.
   * @throws {NotFoundError} WORKFLOW_NOT_FOUND
   * @throws {EngineClosedError} after close()
   * @throws {EngineError} INVALID_INPUT when the input cannot be serialised
   * @throws {QueueFullError} beyond maxQueuedTasks
   * @throws {StorageBacklogError} STORAGE_BACKLOG while storage lags behind by more than tracer.maxBufferedBytes
   * @throws {StorageError} RECORD_TOO_LARGE for an input larger than the storage keeps (maxValueBytes)
   * @throws {StorageError} STORAGE_UNAVAILABLE when storage has never answered since the engine started (host, port and cause in the message)
   */
  async execute<W extends Workflow<any, any> = Workflow> (workflow: W | string, ...args: ExecuteArgs<W>): Promise<ExecutionResult<WorkflowOutputs<W>>> {
    const [input, options] = args
    const checked = checkExecuteOptions(options, 'execute()')
    if (!this.#recorder.storageAnswered) await this.#storageAnswers()
    const exec = this.#start(workflowIdOf(workflow), input, checked)
    return exec.done as Promise<ExecutionResult<any>>
  }

  /**
   * Starts an execution and returns its id at once. Misuse rejects as with `execute`.
   * Read its typed result with `getExecutionResult<typeof workflow>(id)`.
   */
  async executeAsync<W extends Workflow<any, any> = Workflow> (workflow: W | string, ...args: ExecuteArgs<W>): Promise<string> {
    const [input, options] = args
    const checked = checkExecuteOptions(options, 'executeAsync()')
    if (!this.#recorder.storageAnswered) await this.#storageAnswers()
    return this.#start(workflowIdOf(workflow), input, checked).id
  }

  // Until storage has answered once, an execution waits for it (bounded by the storage's
  // own connect timeout) and is refused if it does not: buffering records for a store that
  // was never reached would only lose them at close. After a first answer, an outage is
  // buffered through (the recorder retries), as the engine has somewhere to write them.
  async #storageAnswers (): Promise<void> {
    try {
      await this.#recorder.ready()
    } catch (err) {
      const cause = err instanceof Error ? err.message : String(err)
      throw new StorageError(ErrorCodes.STORAGE_UNAVAILABLE, `${storageName(this.#storage)} has not answered yet, so no execution starts: ${cause}`, { cause: err })
    }
  }

  /**
   * Starts an execution in the trace of a W3C `traceparent` (one carried through a queue)
   * rather than in the context active now; a malformed one is ignored. Internal: for
   * graph-task's own queue, not listed in the index.
   */
  [kExecuteUnder] (traceparent: string, workflowId: string, input?: unknown, options: ExecuteOptions = {}): Execution {
    return this.#start(workflowId, input, options, { parent: parseTraceparent(traceparent) })
  }

  #start (workflowId: string, input: unknown, options: ExecuteOptions, extra?: StartExtra): Execution {
    if (this.#closed) throw new EngineClosedError()
    if (this.#shapes.pending > 0) void this.#shapes.write()
    return this.#launcher.start(workflowId, input, options, extra)
  }

  #onFinished (exec: Execution): void {
    this.#watchers.finished(exec)
    this.#retries?.onFinished(exec)
    this.#history.finished(exec)
  }

  /**
   * Cancels a running execution: tasks in flight are stopped (their workers
   * terminated after the grace period), pending ones marked cancelled.
   * Resolves false when the execution is not running on this instance.
   */
  async cancelExecution (executionId: string): Promise<boolean> {
    const exec = this.#history.live(executionId)
    if (exec === undefined) return false
    this.#scheduler.stop(exec, ErrorCodes.CANCELLED, 'cancelled by cancelExecution()')
    return true
  }

  /**
   * Progress of an execution: live on this instance, or from storage.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND
   */
  getExecutionStatus (executionId: string): Promise<ExecutionStatusInfo> {
    return this.#history.status(executionId)
  }

  /**
   * The result of an execution: finished or running on this instance, or rebuilt from storage.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND
   */
  getExecutionResult<W extends Workflow<any, any> = Workflow> (executionId: string): Promise<ExecutionResult<WorkflowOutputs<W>>> {
    return this.#history.result(executionId) as Promise<ExecutionResult<any>>
  }

  /** Log lines of an execution (the engine's and its handlers'), oldest first. */
  async getExecutionLogs (executionId: string, query?: LogQuery): Promise<LogEntry[]> {
    return this.#history.logs(executionId, checkLogQuery(query))
  }

  /** The spans of an execution as a tree: the execution's root span with one child per task attempt. */
  getExecutionTrace (executionId: string): Promise<SpanNode[]> {
    return this.#history.trace(executionId)
  }

  /** Execution records from storage, newest first. */
  async listExecutions (query?: ExecutionQuery): Promise<ExecutionRecord[]> {
    return this.#history.list(checkExecutionQuery(query))
  }

  #retryManager (): RetryManager {
    if (this.#retries === null) {
      throw new InvalidOptionsError(`storage "${this.#storage.kind}" does not implement RetryStorage; manual retry needs it`)
    }
    return this.#retries
  }

  /**
   * Failure cases that can be retried (status pending or retrying by default), oldest
   * first, each with its failure reason and manual retry history.
   */
  async getFailedExecutions (query?: RetryQuery): Promise<FailedExecution[]> {
    const checked = checkRetryQuery(query)
    const retries = this.#retryManager()
    await this.#history.flushed()
    return retries.list(checked)
  }

  /**
   * Retries a failed or interrupted execution as a new execution linked to it
   * (`retryOf`), and resolves like `execute`. Works from any instance that shares
   * the storage and has published the workflow.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND, WORKFLOW_NOT_FOUND (not published here)
   * @throws {RetryError} RETRY_NOT_ALLOWED (abandoned, recovered, not a failure), RETRY_CONFLICT (claimed by another caller), DEFINITION_CHANGED
   * @throws {InvalidOptionsError} an unknown option or a wrong `mode`
   */
  async manualRetry (executionId: string, options?: ManualRetryOptions): Promise<ExecutionResult> {
    if (this.#closed) throw new EngineClosedError()
    const checked = checkManualRetryOptions(options)
    const retries = this.#retryManager()
    await this.#history.flushed()
    const launch = await retries.claim(executionId, checked, id => this.#workflows.planOf(id))
    let exec: Execution
    try {
      exec = this.#start(launch.record.workflowId, undefined, checked.signal === undefined ? {} : { signal: checked.signal }, { retryOf: launch.record.executionId, prepare: launch.prepare, inputBytes: launch.input })
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
    await this.#history.flushed()
    return retries.abandon(executionId, reason)
  }

  /** Totals over every failure case in storage; zeros on an empty database. */
  async getRetryStatistics (): Promise<RetryStatistics> {
    const retries = this.#retryManager()
    await this.#history.flushed()
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

  /**
   * Takes executions of the workflows published here from an execution queue,
   * up to `concurrency` at once per workflow, until `close()`: then it takes no more, and
   * the executions it holds finish, or, cancelled by close, go back to the queue to be
   * resumed by another instance. A redelivered execution resumes from the shared history.
   * @throws {QueueError} STORAGE_NOT_SHARED on MemoryStorage; QUEUE_UNAVAILABLE without bullmq and ioredis installed
   */
  async serve (queue: ExecutionQueue, options: ServeOptions = {}): Promise<void> {
    if (this.#closed) throw new EngineClosedError()
    if (this.#server !== null) throw new InvalidOptionsError('this engine serves a queue already: serve() once per engine')
    this.#server = await serveQueue(queue, options, {
      logger: this.#logger,
      instanceId: this.#instanceId,
      storage: this.#storage,
      workflowIds: () => this.#workflows.list().map(w => w.id),
      start: run => this.#start(run.workflowId, undefined, run.timeout === undefined ? {} : { timeout: run.timeout }, {
        executionId: run.executionId, inputBytes: run.input, parent: run.traceparent === undefined ? undefined : parseTraceparent(run.traceparent), stopWith: run.stopWith, prepare: exec => exec.reuseOutputs(run.reuse, run.executionId),
        fence: run.fence, leaseUntil: run.leaseUntil
      }),
      stop: (exec, code, message) => this.#scheduler.stop(exec as Execution, code, message),
      lease: (exec, until) => this.#scheduler.lease(exec as Execution, until),
      durable: this.#options.durability === 'task',
      result: id => this.#history.result(id),
      adoptCase: async id => { await this.#retries?.adopt(id) },
      flush: () => this.flush(),
      on: (type, listener) => this.#events.on(type, listener),
      off: (type, listener) => this.#events.off(type, listener)
    })
  }

  /**
   * Stops taking executions from the queue this engine serves, and stays up: resolves
   * once the executions it holds have finished, or with `{ handBack: true }` gone back to
   * the queue for another instance to resume. `readiness()` says not ready from the call on;
   * `close()` still closes. Without a queue served it resolves at once.
   */
  async drain (options: { handBack?: boolean } = {}): Promise<void> {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('drain options must be an object')
    rejectUnknownKeys(options, ['handBack'], 'drain()')
    await this.#server?.drain(options.handBack === true)
  }

  /**
   * Whether this instance can take work: storage answers, the queue's Redis answers (when
   * serving one), and it is neither draining nor closing. Each part gets two seconds.
   */
  async readiness (): Promise<Readiness> {
    if (this.#server !== null) return this.#server.readiness()
    const storage = await answers(() => this.#storage.getExecution('readiness-probe'))
    return { ready: storage && !this.#closed, storage, redis: true, draining: this.#closed }
  }

  /** Writes everything recorded so far to storage. */
  async flush (): Promise<void> {
    await Promise.all([this.#recorder.flush(), this.#shapes.write()])
  }

  /**
   * Removes cached task results from storage: every one, or those `filter` selects
   * (by workflow, task, or made before a time). With MySQL, every instance's cache is
   * the same one. Resolves with how many were removed.
   * @throws {InvalidOptionsError} an unknown filter key, or one of the wrong type
   */
  async clearCache (filter?: CacheFilter): Promise<number> {
    return this.#cache.clear(checkCacheFilter(filter))
  }

  stats (): EngineStats {
    return {
      instanceId: this.#instanceId,
      threads: this.#options.threads,
      executionsRunning: this.#history.running,
      executionsStarted: this.#launcher.started,
      scheduler: this.#scheduler.stats(),
      cache: this.#cache.stats(),
      tracer: this.#recorder.stats()
    }
  }

  /**
   * Stops accepting work, lets running executions finish (or cancels them), writes
   * what is buffered to storage, and destroys the pool. Always returns within
   * `closeTimeout` plus about two seconds, whatever hangs (a handler that never
   * settles, the pool, the storage server): executions still running at the
   * deadline are cancelled, and records storage has not taken by then are
   * reported with their ids. Closing twice is harmless; a second call with
   * `{ cancel: true }` cancels what a first call is still waiting for.
   */
  close (given?: CloseOptions): Promise<void> {
    let options: CloseOptions
    try {
      options = checkCloseOptions(given)
    } catch (err) {
      return Promise.reject(err)
    }
    if (this.#closing !== null) {
      if (options.cancel === true) this.#cancelAll('cancelled by close({ cancel: true })')
      return this.#closing
    }
    this.#closing = this.#close(options)
    return this.#closing
  }

  #cancelAll (why: string): void {
    for (const exec of this.#history.liveExecutions()) this.#scheduler.stop(exec, ErrorCodes.CANCELLED, why)
  }

  async #close (options: CloseOptions): Promise<void> {
    this.#closed = true
    this.#otel.close()
    this.#server?.stopTaking()
    await Promise.all([...this.#consoles].map(close => close()))
    if (options.cancel === true) this.#cancelAll('cancelled by close({ cancel: true })')
    await shutDown({
      // The queue's jobs too: one handed back flushes what finished here before another
      // instance may take it, which needs the recorder still open.
      running: [...this.#history.liveExecutions().map(e => e.done), ...(this.#server === null ? [] : [this.#server.settled()])],
      cancelAll: why => this.#cancelAll(why),
      recorder: this.#recorder,
      // Storage closes after the queue and the instance row are done with it, not alongside.
      stoppers: [async () => { await this.#server?.close(); await this.#retries?.close(); await this.#storage.close() }, () => this.#scheduler.close()],
      logger: this.#logger,
      // Records for a store that failed and never answered have nowhere to go: close does
      // not wait for it. One whose first answer is late (an instance that began serving
      // while storage connected) is waited for, as any other.
      closeTimeout: this.#recorder.storageUnreached && this.#history.running === 0 ? 0 : this.#options.closeTimeout
    })
  }
}
