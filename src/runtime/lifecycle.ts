/**
 * The one place where a transition of an execution or a task becomes what the
 * outside sees: a lifecycle event (only when someone listens), a span per
 * attempt, the records storage keeps, the execution's log lines, and what
 * OpenTelemetry is told (a null check per batch when it is off). Every write is a
 * push into the recorder: no promise, no I/O.
 */
import type { Logger } from 'pino'
import type { ErrorInfo } from '../errors.js'
import type { EventBus } from '../event-bus.js'
import type { Recorder } from '../telemetry/recorder.js'
import { TaskOutcome, type OpenTelemetry, type TraceRoot } from '../telemetry/otel/open-telemetry.js'
import { LOG_LEVEL_VALUES, type ExecutionResult, type LogLevel, type SpanRecord } from '../types.js'
import { now } from '../clock.js'
import type { Execution } from './execution.js'

export class Lifecycle {
  readonly #recorder: Recorder
  readonly #events: EventBus
  readonly #logger: Logger
  readonly #level: number
  readonly #otel: OpenTelemetry

  constructor (recorder: Recorder, events: EventBus, logger: Logger, level: LogLevel, otel: OpenTelemetry) {
    this.#recorder = recorder
    this.#otel = otel
    this.#events = events
    this.#logger = logger
    this.#level = LOG_LEVEL_VALUES[level]
  }

  executionStarted (exec: Execution, root: TraceRoot): void {
    this.#recorder.recordExecution(exec.record())
    this.#otel.executionStarted(exec, root)
    // Outputs reused by a resume belong to this execution too: a later resume starts from here.
    if (exec.settled > 0) {
      for (let i = 0; i < exec.plan.size; i++) {
        if (exec.reusedFromOf(i) !== undefined) this.#recorder.recordTask(exec, i)
      }
    }
    const { retryOf } = exec
    this.log(exec, undefined, 'info', `execution of "${exec.workflowId}" started${retryOf === undefined ? '' : ` (retry of ${retryOf})`}`)
    if (this.#events.has('execution.started')) {
      this.#events.emit('execution.started', { executionId: exec.id, workflowId: exec.workflowId, time: exec.startedAt, ...(retryOf === undefined ? {} : { retryOf }) })
    }
  }

  /** Whether anyone listens for task.started: the scheduler then reports starts. */
  get startsWanted (): boolean {
    return this.#events.has('task.started')
  }

  taskStarted (exec: Execution, i: number, time: number): void {
    this.#events.emit('task.started', { executionId: exec.id, workflowId: exec.workflowId, taskId: exec.plan.ids[i], attempt: exec.attempts[i], time })
  }

  /** Whether anyone listens for task.completed. */
  get completionsWanted (): boolean {
    return this.#events.has('task.completed')
  }

  taskCompleted (exec: Execution, i: number): void {
    const start = exec.taskStart[i]
    const end = exec.taskEnd[i]
    this.#events.emit('task.completed', {
      executionId: exec.id, workflowId: exec.workflowId, taskId: exec.plan.ids[i], attempt: exec.attempts[i], duration: end - start, time: end
    })
  }

  /** `count` tasks of `exec` succeeded on thread `threadId`: their spans and records, for a batch at once. */
  tasksSucceeded (exec: Execution, tasks: Int32Array, count: number, threadId: number): void {
    if (count === 0) return
    this.#recorder.recordSuccesses(exec, tasks, count, threadId)
    this.#otel.tasksSucceeded(exec, tasks, count, threadId)
  }

  /** A failed attempt that will be retried after `delay` ms. */
  taskRetrying (exec: Execution, i: number, threadId: number, delay: number): void {
    const error = exec.errorOf(i)!
    const attempt = exec.attempts[i]
    const taskId = exec.plan.ids[i]
    this.#span(exec, i, exec.taskStart[i], exec.taskEnd[i], threadId, error)
    this.#otel.attemptEnded(exec, i, exec.taskStart[i], exec.taskEnd[i], threadId, error, TaskOutcome.Retrying, delay)
    this.log(exec, taskId, 'warn', `attempt ${attempt} failed (${error.code}: ${error.message}); retrying in ${Math.round(delay)} ms`, attempt)
    if (this.#events.has('task.retrying')) {
      this.#events.emit('task.retrying', { executionId: exec.id, workflowId: exec.workflowId, taskId, attempt, error, delay, time: exec.taskEnd[i] })
    }
  }

  /** A task that failed for good, and the tasks skipped because of it. */
  taskFailed (exec: Execution, i: number, threadId: number, skipped: readonly number[]): void {
    const error = exec.errorOf(i)!
    const attempt = exec.attempts[i]
    const taskId = exec.plan.ids[i]
    this.#span(exec, i, exec.taskStart[i], exec.taskEnd[i], threadId, error)
    this.#otel.attemptEnded(exec, i, exec.taskStart[i], exec.taskEnd[i], threadId, error, TaskOutcome.Failed)
    this.#recorder.recordTask(exec, i)
    this.log(exec, taskId, 'error', `failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${error.code}: ${error.message}`, attempt)
    if (this.#events.has('task.failed')) {
      this.#events.emit('task.failed', {
        executionId: exec.id, workflowId: exec.workflowId, taskId, attempt, error, duration: exec.taskEnd[i] - exec.taskStart[i], time: exec.taskEnd[i]
      })
    }
    this.tasksSkipped(exec, skipped)
  }

  tasksSkipped (exec: Execution, skipped: readonly number[]): void {
    this.#otel.tasksEnded(exec, skipped, TaskOutcome.Skipped)
    for (let s = 0; s < skipped.length; s++) {
      const j = skipped[s]
      this.#recorder.recordTask(exec, j)
      if (this.#events.has('task.skipped')) {
        this.#events.emit('task.skipped', { executionId: exec.id, workflowId: exec.workflowId, taskId: exec.plan.ids[j], reason: exec.errorOf(j)!.message, time: exec.updatedAt })
      }
    }
  }

  /** The attempt running when an execution was stopped: its span ends with the stop. */
  attemptStopped (exec: Execution, i: number, start: number, at: number, error: ErrorInfo): void {
    this.#span(exec, i, start, at, -1, error)
    this.#otel.attemptEnded(exec, i, start, at, -1, error, TaskOutcome.Cancelled)
  }

  tasksCancelled (exec: Execution, cancelled: readonly number[]): void {
    this.#otel.tasksEnded(exec, cancelled, TaskOutcome.Cancelled)
    for (let c = 0; c < cancelled.length; c++) this.#recorder.recordTask(exec, cancelled[c])
  }

  executionFinished (exec: Execution, result: ExecutionResult): void {
    this.#recorder.recordExecution(exec.record())
    this.#rootSpan(exec)
    this.#otel.executionFinished(exec)
    const level = exec.status === 'success' ? 'info' : exec.status === 'cancelled' ? 'warn' : 'error'
    this.log(exec, undefined, level, `execution ${exec.status} in ${result.duration} ms` +
      (exec.error === undefined ? '' : `: ${exec.error.code}: ${exec.error.message}`))
    const base = { executionId: exec.id, workflowId: exec.workflowId, time: exec.endedAt, status: exec.status, duration: result.duration }
    if (exec.status === 'success') {
      if (this.#events.has('execution.completed')) this.#events.emit('execution.completed', base)
    } else if (exec.status === 'cancelled') {
      if (this.#events.has('execution.cancelled')) this.#events.emit('execution.cancelled', { ...base, reason: exec.error?.message ?? 'cancelled' })
    } else if (this.#events.has('execution.failed')) {
      this.#events.emit('execution.failed', { ...base, error: exec.error! })
    }
  }

  /** Lines a handler logged through ctx.logger: flat (time, level, message, data) quadruples. */
  workerLogs (exec: Execution, i: number, logs: unknown[]): void {
    const taskId = exec.plan.ids[i]
    const attempt = exec.attempts[i]
    for (let l = 0; l < logs.length; l += 4) {
      const level = logs[l + 1] as LogLevel
      if (LOG_LEVEL_VALUES[level] < this.#level) continue
      const data = logs[l + 3] as Record<string, unknown> | null
      const entry = { executionId: exec.id, taskId, attempt, time: logs[l] as number, level, message: logs[l + 2] as string, ...(data === null ? {} : { data }) }
      this.#recorder.recordLog(entry)
      if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ executionId: exec.id, taskId, attempt, level, ...data }, entry.message)
    }
  }

  // Execution lines are data, kept in the execution's logs at their level; the engine's
  // pino logger sees them at debug, so that a failing task does not fill the service's stderr.
  /** An engine line about an execution (or one of its tasks), kept with its logs. */
  log (exec: Execution, taskId: string | undefined, level: LogLevel, message: string, attempt?: number): void {
    if (LOG_LEVEL_VALUES[level] >= this.#level) {
      this.#recorder.recordLog({ executionId: exec.id, taskId, attempt, time: now(), level, message })
    }
    if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ executionId: exec.id, taskId, level }, message)
  }

  /** The span of one attempt of task `i`, ended at `end`: columns in the recorder, no object. */
  #span (exec: Execution, i: number, start: number, end: number, threadId: number, error: ErrorInfo | null): void {
    this.#recorder.recordTaskSpan(exec, i, exec.attempts[i], exec.readyAt[i], start, end, threadId, error)
  }

  /** The root span of a finished execution: its id is the parent of every task span. */
  #rootSpan (exec: Execution): void {
    const span: SpanRecord = {
      traceId: exec.traceId,
      spanId: exec.rootSpanId,
      executionId: exec.id,
      name: `execution ${exec.workflowId}`,
      startTime: exec.startedAt,
      endTime: exec.endedAt,
      statusCode: exec.status === 'success' ? 'OK' : 'ERROR',
      attributes: { 'workflow.id': exec.workflowId, 'execution.status': exec.status, 'workflow.tasks': exec.plan.size }
    }
    if (exec.error !== undefined) span.statusMessage = exec.error.message
    // Started under the caller's span: the stored trace hangs under it as the exported one does.
    if (exec.parentSpanId !== undefined) span.parentSpanId = exec.parentSpanId
    this.#recorder.recordSpan(span)
  }
}
