/**
 * Manual retry and crash recovery across instances.
 *
 * A failure case (a RetryRecord) opens when an execution fails after its
 * automatic retries, or when a live instance finds an execution left `running`
 * by an instance whose heartbeat expired. Any instance that has published the
 * workflow can retry it: the claim is a conditional update in storage, so of
 * two instances retrying at once exactly one starts. A resume reuses the stored
 * outputs of the tasks that succeeded and runs the rest; its outcome closes the
 * case (recovered) or reopens it for the next attempt, from further on.
 */
import { hostname } from 'node:os'
import type { Logger } from 'pino'
import { ErrorCodes, InvalidOptionsError, NotFoundError, RetryError } from '../errors.js'
import { checkOptionsObject, describeValue, optionKeys } from '../option-keys.js'
import type { EventBus } from '../event-bus.js'
import type { Execution } from '../runtime/execution.js'
import type { Plan } from '../workflow/planner.js'
import type { ExecutionStorage, RetryStorage } from '../storage/storage.js'
import type { FailedExecution, RetryQuery, RetryRecord, RetryStatistics, TaskRecord } from '../types.js'
import { now } from '../clock.js'
import { failedExecutions } from './stored-reads.js'
import { checkExecuteOptions } from '../execute-options.js'

/** Options of `manualRetry`. */
export interface ManualRetryOptions {
  /**
   * `resume` reuses the outputs of the tasks that succeeded and runs only the failed,
   * skipped and cancelled ones; `restart` runs every task again.
   * @default 'resume'
   */
  mode?: 'resume' | 'restart'
  /** Retry even though the workflow's definition changed since the failed execution ran. */
  allowDefinitionChange?: boolean
  /** Cancels the retry's execution when it aborts, as `execute`'s signal does. */
  signal?: AbortSignal
}

const kManualRetryOptionKeys = optionKeys<ManualRetryOptions>({ mode: true, allowDefinitionChange: true, signal: true })

/** @throws {InvalidOptionsError} an unknown key of manualRetry's options, or a signal that is not an AbortSignal */
export function checkManualRetryOptions (given: ManualRetryOptions | undefined): ManualRetryOptions {
  const options = checkOptionsObject(given, kManualRetryOptionKeys, 'manualRetry()')
  if (options.signal !== undefined) checkExecuteOptions({ signal: options.signal }, 'manualRetry()')
  return options
}

/** What the engine hands the retry manager to start a retry. */
interface RetryLaunch {
  record: RetryRecord
  mode: 'resume' | 'restart'
  input: Uint8Array
  /** Called on the new execution before it starts. */
  prepare: (exec: Execution) => void
}

interface RetryManagerOptions {
  instanceId: string
  heartbeatInterval: number
  heartbeatTimeout: number
}

export class RetryManager {
  readonly #storage: ExecutionStorage & RetryStorage
  readonly #events: EventBus
  readonly #logger: Logger
  readonly #options: RetryManagerOptions
  readonly #write: (record: RetryRecord) => void
  // Retries started here, by the id of the new execution.
  readonly #running = new Map<string, RetryRecord>()
  #heartbeat: NodeJS.Timeout | null = null
  readonly #startedAt = now()

  constructor (storage: ExecutionStorage & RetryStorage, events: EventBus, logger: Logger,
    options: RetryManagerOptions, write: (record: RetryRecord) => void) {
    this.#storage = storage
    this.#events = events
    this.#logger = logger
    this.#options = options
    this.#write = write
  }

  /** Starts heartbeats and the scan for executions of dead instances. */
  start (): void {
    if (this.#storage.kind === 'memory') return
    // One line when heartbeats start failing and one when they work again, not a stack per beat.
    let failing = false
    const beat = (): void => {
      this.#beat().then(() => {
        if (failing) this.#logger.warn('heartbeats are written again')
        failing = false
      }, err => {
        if (!failing) this.#logger.warn({ code: (err as { code?: unknown }).code }, `heartbeat failed, tried again every ${this.#options.heartbeatInterval} ms: ${(err as Error).message}`)
        failing = true
      })
    }
    beat()
    this.#heartbeat = setInterval(beat, this.#options.heartbeatInterval)
    this.#heartbeat.unref()
  }

  async #beat (): Promise<void> {
    const at = now()
    await this.#storage.heartbeat({
      instanceId: this.#options.instanceId, hostname: hostname(), pid: process.pid, startedAt: this.#startedAt, heartbeatAt: at
    })
    const { interrupted, released } = await this.#storage.interruptStale(at - this.#options.heartbeatTimeout, at)
    if (interrupted.length > 0) {
      this.#logger.warn({ executions: interrupted }, 'executions of an instance whose heartbeat expired were marked interrupted')
    }
    if (released.length > 0) {
      this.#logger.warn({ executions: released }, 'retries claimed by an instance whose heartbeat expired can be claimed again')
    }
  }

  /** Opens or updates the failure case of a finished execution. */
  onFinished (exec: Execution): void {
    const retried = this.#running.get(exec.id)
    if (retried !== undefined) {
      this.#running.delete(exec.id)
      this.#closeAttempt(retried, exec)
      return
    }
    // A cancelled execution (also one stopped by close({ cancel: true })) can be resumed like a failed one.
    if (exec.status !== 'failed' && exec.status !== 'cancelled') return
    const at = exec.endedAt
    this.#write({
      executionId: exec.id,
      workflowId: exec.workflowId,
      definitionHash: exec.plan.hash,
      status: 'pending',
      reason: exec.status,
      ...(exec.error?.taskId === undefined ? {} : { failedTaskId: failedTaskName(exec.error) }),
      errorCode: exec.error?.code ?? ErrorCodes.TASK_FAILED,
      errorMessage: exec.error?.message ?? 'execution failed',
      failedAt: at,
      updatedAt: at,
      lastExecutionId: exec.id,
      manualAttempts: 0,
      ...(exec.fence === 0 ? {} : { fence: exec.fence })
    })
  }

  #closeAttempt (record: RetryRecord, exec: Execution): void {
    const at = exec.endedAt
    const next: RetryRecord = { ...record, updatedAt: at, lastExecutionId: exec.id }
    if (exec.fence !== 0) next.fence = exec.fence
    delete next.claimedBy
    delete next.claimedAt
    const base = { executionId: exec.id, workflowId: exec.workflowId, retryOf: record.executionId, time: at }
    if (exec.status === 'success') {
      next.status = 'recovered'
      next.recoveredBy = exec.id
      if (this.#events.has('retry.succeeded')) this.#events.emit('retry.succeeded', base)
    } else {
      next.status = 'pending'
      if (exec.error !== undefined) {
        next.errorCode = exec.error.code
        next.errorMessage = exec.error.message
        if (exec.error.taskId !== undefined) next.failedTaskId = failedTaskName(exec.error)
      }
      if (this.#events.has('retry.failed')) this.#events.emit('retry.failed', { ...base, status: exec.status })
    }
    this.#write(next)
  }

  /**
   * Checks that a case can be retried here, claims it, and returns what the engine
   * needs to start the retry.
   * @throws {NotFoundError} EXECUTION_NOT_FOUND, WORKFLOW_NOT_FOUND
   * @throws {RetryError} RETRY_NOT_ALLOWED, RETRY_CONFLICT, DEFINITION_CHANGED
   */
  async claim (executionId: string, options: ManualRetryOptions,
    published: (workflowId: string) => Plan | undefined): Promise<RetryLaunch> {
    const mode = options.mode ?? 'resume'
    if (mode !== 'resume' && mode !== 'restart') {
      throw new InvalidOptionsError(`manualRetry(): mode must be 'resume' or 'restart'; got ${describeValue(mode)}`)
    }
    if (options.allowDefinitionChange !== undefined && typeof options.allowDefinitionChange !== 'boolean') {
      throw new InvalidOptionsError(`manualRetry(): allowDefinitionChange must be a boolean; got ${describeValue(options.allowDefinitionChange)}`)
    }
    const record = await this.#caseOf(executionId)
    if (record.status !== 'pending') {
      const code = record.status === 'retrying' ? ErrorCodes.RETRY_CONFLICT : ErrorCodes.RETRY_NOT_ALLOWED
      throw new RetryError(code, `execution ${record.executionId} is ${record.status}` +
        (record.status === 'retrying' ? ` by ${record.claimedBy ?? 'another instance'}` : '') + '; it cannot be retried now')
    }
    const plan = published(record.workflowId)
    if (plan === undefined) {
      throw new NotFoundError(ErrorCodes.WORKFLOW_NOT_FOUND,
        `workflow "${record.workflowId}" is not published on this instance; publish it to retry execution ${record.executionId}`)
    }
    if (plan.hash !== record.definitionHash && options.allowDefinitionChange !== true) {
      throw new RetryError(ErrorCodes.DEFINITION_CHANGED,
        `workflow "${record.workflowId}" changed since execution ${record.executionId} ran; ` +
        'pass { allowDefinitionChange: true } to retry it with the current definition')
    }
    const source = await this.#storage.getExecution(record.lastExecutionId)
    if (source === undefined) {
      throw new NotFoundError(ErrorCodes.EXECUTION_NOT_FOUND, `execution ${record.lastExecutionId} is no longer in storage`)
    }
    const reusable = mode === 'resume' ? await this.#storage.getTaskResults(record.lastExecutionId) : []
    const claimed: RetryRecord = { ...record, status: 'retrying', claimedBy: this.#options.instanceId, manualAttempts: record.manualAttempts + 1 }
    let won: boolean
    try {
      won = await this.#storage.claimRetry(record.executionId, this.#options.instanceId, now())
    } catch (err) {
      // The claim may have been made and its answer lost: give it back (a fenced write,
      // a no-op when it was not made) rather than leave the case held by a live instance.
      this.release({ record: claimed, mode, input: source.input, prepare: () => {} })
      throw err
    }
    if (!won) {
      throw new RetryError(ErrorCodes.RETRY_CONFLICT,
        `execution ${record.executionId} is being retried by another caller`)
    }
    return {
      record: claimed,
      mode,
      input: source.input,
      prepare: exec => {
        this.#running.set(exec.id, claimed)
        exec.reuseOutputs(reusable, record.lastExecutionId)
        if (this.#events.has('retry.started')) {
          this.#events.emit('retry.started', { executionId: exec.id, workflowId: exec.workflowId, retryOf: record.executionId, mode, time: exec.startedAt })
        }
      }
    }
  }

  /**
   * Claims the open case of an execution that runs again under its own id (redelivered
   * by the execution queue after its instance died or handed it back), so that this
   * run's outcome closes the case (recovered) or reopens it. No case: nothing to do.
   */
  async adopt (executionId: string): Promise<void> {
    const record = await this.#storage.getRetryRecord(executionId)
    // Retrying too: the instance that adopted it before died or handed it back, and the
    // queue gives the delivery to one instance at a time, so this one takes it over.
    if (record === undefined || (record.status !== 'pending' && record.status !== 'retrying')) return
    const adopt = this.#storage.adoptRetry ?? this.#storage.claimRetry
    if (!await adopt.call(this.#storage, executionId, this.#options.instanceId, now())) return
    this.#running.set(executionId, { ...record, status: 'retrying', claimedBy: this.#options.instanceId, manualAttempts: record.manualAttempts + 1 })
  }

  /** Gives a claim back when the retry could not start (fenced by the claim's count of attempts). */
  release (launch: RetryLaunch): void {
    const record = { ...launch.record, status: 'pending' as const, updatedAt: now() }
    delete record.claimedBy
    delete record.claimedAt
    this.#write(record)
  }

  // The case of an execution: its own, or that of the execution it retried.
  async #caseOf (executionId: string): Promise<RetryRecord> {
    const record = await this.#storage.getRetryRecord(executionId)
    if (record !== undefined) return record
    const execution = await this.#storage.getExecution(executionId)
    if (execution === undefined) {
      throw new NotFoundError(ErrorCodes.EXECUTION_NOT_FOUND, `no execution with id "${executionId}"`)
    }
    if (execution.retryOf !== undefined) {
      const original = await this.#storage.getRetryRecord(execution.retryOf)
      if (original !== undefined) return original
    }
    throw new RetryError(ErrorCodes.RETRY_NOT_ALLOWED,
      `execution ${executionId} is ${execution.status}; only failed, cancelled or interrupted executions can be retried`)
  }

  /** @throws {RetryError} RETRY_NOT_ALLOWED when the case is not pending */
  async abandon (executionId: string, reason: string): Promise<RetryRecord> {
    const record = await this.#caseOf(executionId)
    const at = now()
    if (!await this.#storage.abandonRetry(record.executionId, reason, at)) {
      throw new RetryError(ErrorCodes.RETRY_NOT_ALLOWED, `execution ${record.executionId} is ${record.status}; only a pending failure can be abandoned`)
    }
    if (this.#events.has('retry.abandoned')) {
      this.#events.emit('retry.abandoned', { executionId: record.executionId, workflowId: record.workflowId, reason, time: at })
    }
    return { ...record, status: 'abandoned', abandonedReason: reason, updatedAt: at }
  }

  list (query: RetryQuery): Promise<FailedExecution[]> {
    return failedExecutions(this.#storage, query)
  }

  statistics (): Promise<RetryStatistics> {
    return this.#storage.retryStatistics()
  }

  async close (): Promise<void> {
    if (this.#heartbeat === null) return
    clearInterval(this.#heartbeat)
    this.#heartbeat = null
    await this.#storage.removeInstance(this.#options.instanceId)
      .catch(err => this.#logger.warn({ err }, 'could not remove this instance from storage'))
  }
}

/** The failed task as the failures list names it: an instance of a mapped task with its index, `parse[3]`. */
function failedTaskName (error: { taskId?: string, mapIndex?: number }): string | undefined {
  return error.mapIndex === undefined ? error.taskId : `${error.taskId}[${error.mapIndex}]`
}
