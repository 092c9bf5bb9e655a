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
import { LOG_LEVEL_VALUES, type ExecutionResult, type LogEntry, type LogLevel, type SpanRecord } from '../types.js'
import { now } from '../clock.js'
import { kCacheHitThread } from '../telemetry/span-wire.js'
import type { Execution } from './execution.js'
import { Attr } from '../telemetry/span-attributes.js'

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
      for (let i = 0; i < exec.size; i++) {
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
    this.#events.emit('task.started', { ...taskOf(exec, i), attempt: exec.attempts[i], time })
  }

  /** Whether anyone listens for task.completed. */
  get completionsWanted (): boolean {
    return this.#events.has('task.completed')
  }

  taskCompleted (exec: Execution, i: number): void {
    const start = exec.taskStart[i]
    const end = exec.taskEnd[i]
    this.#events.emit('task.completed', { ...taskOf(exec, i), attempt: exec.attempts[i], duration: end - start, time: end, cached: exec.isCached(i) })
  }

  /** `count` tasks of `exec` succeeded on thread `threadId`: their spans and records, for a batch at once. */
  tasksSucceeded (exec: Execution, tasks: Int32Array, count: number, threadId: number): void {
    if (count === 0) return
    this.#recorder.recordSuccesses(exec, tasks, count, threadId)
    this.#otel.tasksSucceeded(exec, tasks, count, threadId)
  }

  /** Tasks of `exec` that took their outputs from the cache: records, spans (marked cached) and events, as a success. */
  tasksCached (exec: Execution, tasks: readonly number[]): void {
    const list = Int32Array.from(tasks)
    this.tasksSucceeded(exec, list, list.length, kCacheHitThread)
    if (this.completionsWanted) for (let k = 0; k < list.length; k++) this.taskCompleted(exec, list[k])
  }

  /** A failed attempt that will be retried after `delay` ms. */
  taskRetrying (exec: Execution, i: number, threadId: number, delay: number): void {
    const error = exec.errorOf(i)!
    const attempt = exec.attempts[i]
    this.#span(exec, i, exec.taskStart[i], exec.taskEnd[i], threadId, error)
    this.#otel.attemptEnded(exec, i, exec.taskStart[i], exec.taskEnd[i], threadId, error, TaskOutcome.Retrying, delay)
    this.taskLog(exec, i, 'warn', `attempt ${attempt} failed (${error.code}: ${error.message}); retrying in ${Math.round(delay)} ms`)
    if (this.#events.has('task.retrying')) {
      this.#events.emit('task.retrying', { ...taskOf(exec, i), attempt, error, delay, time: exec.taskEnd[i] })
    }
  }

  /** A task that failed for good, and the tasks skipped because of it. */
  taskFailed (exec: Execution, i: number, threadId: number, skipped: readonly number[]): void {
    const error = exec.errorOf(i)!
    const attempt = exec.attempts[i]
    this.#span(exec, i, exec.taskStart[i], exec.taskEnd[i], threadId, error)
    this.#otel.attemptEnded(exec, i, exec.taskStart[i], exec.taskEnd[i], threadId, error, TaskOutcome.Failed)
    this.#ended(exec, i, error, `failed after ${attempt} attempt${attempt === 1 ? '' : 's'}`)
    this.tasksSkipped(exec, skipped)
  }

  // A task that failed for good: its record, its line and its event.
  #ended (exec: Execution, i: number, error: ErrorInfo, what: string): void {
    this.#recorder.recordTask(exec, i)
    this.taskLog(exec, i, 'error', `${what}: ${error.code}: ${error.message}`)
    if (this.#events.has('task.failed')) {
      this.#events.emit('task.failed', {
        ...taskOf(exec, i), attempt: exec.attempts[i], error, duration: exec.taskEnd[i] - exec.taskStart[i], time: exec.taskEnd[i]
      })
    }
  }

  /**
   * What the maps of `exec` did since the last call: mapped tasks that settled (their
   * instances all final, or their source's output could not be mapped), instances
   * skipped at expansion, instances reused from the execution resumed.
   */
  mapsChanged (exec: Execution): void {
    const news = exec.takeMapNews()
    if (news === null) return
    for (const s of news.reused) this.#recorder.recordTask(exec, s)
    if (news.skipped.length > 0) this.tasksSkipped(exec, news.skipped)
    for (const t of news.settled) {
      const status = exec.taskStatus(t)
      if (status === 'failed') this.#ended(exec, t, exec.errorOf(t)!, 'failed')
      else if (status === 'success') {
        this.#recorder.recordTask(exec, t)
        if (this.completionsWanted) this.taskCompleted(exec, t)
      } else this.#recorder.recordTask(exec, t)
    }
  }

  tasksSkipped (exec: Execution, skipped: readonly number[]): void {
    this.#otel.tasksEnded(exec, skipped, TaskOutcome.Skipped)
    for (let s = 0; s < skipped.length; s++) {
      const j = skipped[s]
      this.#recorder.recordTask(exec, j)
      if (this.#events.has('task.skipped')) {
        this.#events.emit('task.skipped', { ...taskOf(exec, j), reason: exec.errorOf(j)!.message, time: exec.updatedAt })
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
    const taskId = exec.taskIdOf(i)
    const mapIndex = exec.mapIndex[i]
    const attempt = exec.attempts[i]
    for (let l = 0; l < logs.length; l += 4) {
      const level = logs[l + 1] as LogLevel
      if (LOG_LEVEL_VALUES[level] < this.#level) continue
      const data = logs[l + 3] as Record<string, unknown> | null
      const entry: LogEntry = { executionId: exec.id, taskId, attempt, time: logs[l] as number, level, message: logs[l + 2] as string }
      if (mapIndex !== -1) entry.mapIndex = mapIndex
      if (data !== null) entry.data = data
      this.#recorder.recordLog(entry)
      if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ executionId: exec.id, taskId, attempt, level, ...data }, entry.message)
    }
  }

  // Execution lines are data, kept in the execution's logs at their level; the engine's
  // pino logger sees them at debug, so that a failing task does not fill the service's stderr.
  /** An engine line about an execution (or one of its tasks), kept with its logs. */
  log (exec: Execution, taskId: string | undefined, level: LogLevel, message: string, attempt?: number, mapIndex = -1): void {
    if (LOG_LEVEL_VALUES[level] >= this.#level) {
      const entry: LogEntry = { executionId: exec.id, taskId, attempt, time: now(), level, message }
      if (mapIndex !== -1) entry.mapIndex = mapIndex
      this.#recorder.recordLog(entry)
    }
    if (this.#logger.isLevelEnabled('debug')) this.#logger.debug({ executionId: exec.id, taskId, level, ...(mapIndex === -1 ? {} : { mapIndex }) }, message)
  }

  /** An engine line about task slot i of `exec` (an instance's names its index), at its current attempt. */
  taskLog (exec: Execution, i: number, level: LogLevel, message: string): void {
    this.log(exec, exec.taskIdOf(i), level, message, exec.attempts[i], exec.mapIndex[i])
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
      attributes: { [Attr.workflowId]: exec.workflowId, [Attr.executionStatus]: exec.status, [Attr.workflowTasks]: exec.plan.size }
    }
    if (exec.error !== undefined) span.statusMessage = exec.error.message
    // Started under the caller's span: the stored trace hangs under it as the exported one does.
    if (exec.parentSpanId !== undefined) span.parentSpanId = exec.parentSpanId
    this.#recorder.recordSpan(span)
  }
}

// Who an event is about: an instance of a mapped task carries its index.
function taskOf (exec: Execution, i: number): { executionId: string, workflowId: string, taskId: string, mapIndex?: number } {
  const task = { executionId: exec.id, workflowId: exec.workflowId, taskId: exec.taskIdOf(i) }
  const m = exec.mapIndex[i]
  return m === -1 ? task : { ...task, mapIndex: m }
}
