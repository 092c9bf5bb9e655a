/**
 * What the engine writes about executions besides their records: one span per
 * task attempt, the execution's log lines (its handlers' and the engine's own),
 * and the root span. Everything goes to the recorder as a push.
 */
import type { Logger } from 'pino'
import type { ErrorInfo } from '../errors.js'
import type { Execution } from '../runtime/execution.js'
import { newSpanId } from '../ids.js'
import type { Recorder } from './recorder.js'
import { LOG_LEVEL_VALUES, type LogLevel, type SpanRecord } from '../types.js'

export function now (): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000
}

export class ExecutionTelemetry {
  readonly #recorder: Recorder
  readonly #logger: Logger
  readonly #level: number

  constructor (recorder: Recorder, logger: Logger, level: LogLevel) {
    this.#recorder = recorder
    this.#logger = logger
    this.#level = LOG_LEVEL_VALUES[level]
  }

  /** The span of one attempt of task `i`, ended at `end`. */
  span (exec: Execution, i: number, start: number, end: number, threadId: number, error: ErrorInfo | null): void {
    const taskId = exec.plan.ids[i]
    const span: SpanRecord = {
      traceId: exec.traceId,
      spanId: newSpanId(),
      parentSpanId: exec.rootSpanId,
      executionId: exec.id,
      taskId,
      name: taskId,
      startTime: start,
      endTime: end,
      statusCode: error === null ? 'OK' : 'ERROR',
      attributes: {
        'task.attempt': exec.attempts[i],
        'task.queue_wait_ms': Math.max(0, Math.round((start - exec.readyAt[i]) * 1000) / 1000),
        'task.run_ms': Math.round((end - start) * 1000) / 1000,
        'worker.thread_id': threadId,
        'task.status': error === null ? 'success' : 'failed'
      }
    }
    if (error !== null) {
      span.statusMessage = error.message
      span.attributes['error.code'] = error.code
    }
    this.#recorder.recordSpan(span)
  }

  /** The root span of a finished execution: its id is the parent of every task span. */
  rootSpan (exec: Execution): void {
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
    this.#recorder.recordSpan(span)
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
}
