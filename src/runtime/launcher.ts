/**
 * Turns a call (execute, a manual retry, a job taken from the queue) into a running
 * Execution: the checks that refuse it before anything runs, its root span, and the
 * hand-over to the scheduler. The Engine keeps the public surface; this owns the start.
 */
import { QueueFullError, StorageBacklogError } from '../errors.js'
import { serialiseInput, type ExecuteOptions } from '../execute-options.js'
import { newExecutionId } from '../ids.js'
import type { ResolvedEngineOptions } from '../options.js'
import type { ExecutionHistory } from '../history/execution-history.js'
import type { Recorder } from '../telemetry/recorder.js'
import type { OpenTelemetry } from '../telemetry/otel/open-telemetry.js'
import type { SpanParent } from '../telemetry/span-ids.js'
import type { WorkflowRegistry } from '../workflow/registry.js'
import { now } from '../clock.js'
import { Execution } from './execution.js'
import type { Lifecycle } from './lifecycle.js'
import type { Scheduler } from './scheduler.js'
import type { ExecutionWatchers } from './watchers.js'

/** What a start adds to `execute`'s arguments: a retry's link and reused outputs, a queued execution's id. */
export interface StartExtra {
  retryOf?: string
  prepare?: (exec: Execution) => void
  inputBytes?: Uint8Array
  executionId?: string
  /** The span (from a queued job's traceparent) the execution's span is a child of. */
  parent?: SpanParent
  /** Ends the execution with this error before any task is sent. */
  stopWith?: { code: string, message: string }
  /** A queued execution's delivery number, carried by its records; 0 outside a queue. */
  fence?: number
  /** Epoch ms past which none of its tasks starts (the queue lock it runs under). */
  leaseUntil?: number
}

/** The engine's parts a start touches. */
interface LauncherParts {
  options: ResolvedEngineOptions
  instanceId: string
  workflows: WorkflowRegistry
  scheduler: Scheduler
  recorder: Recorder
  history: ExecutionHistory
  lifecycle: Lifecycle
  watchers: ExecutionWatchers
  otel: OpenTelemetry
}

export class Launcher {
  readonly #parts: LauncherParts
  #started = 0

  constructor (parts: LauncherParts) {
    this.#parts = parts
  }

  /** Executions started so far. */
  get started (): number {
    return this.#started
  }

  /**
   * @throws {NotFoundError} WORKFLOW_NOT_FOUND
   * @throws {EngineError} INVALID_INPUT when the input cannot be serialised
   * @throws {QueueFullError} beyond maxQueuedTasks
   * @throws {StorageBacklogError} while storage lags behind by more than tracer.maxBufferedBytes
   * @throws {StorageError} RECORD_TOO_LARGE for an input larger than the storage keeps
   */
  start (workflowId: string, input: unknown, options: ExecuteOptions, extra: StartExtra = {}): Execution {
    const { options: engine, workflows, scheduler, recorder, history, lifecycle, watchers, otel } = this.#parts
    const { retryOf, prepare, inputBytes, stopWith } = extra
    const plan = workflows.plan(workflowId)
    const bytes = inputBytes ?? serialiseInput(workflowId, input)
    if (scheduler.pendingTasks + plan.size > engine.maxQueuedTasks) {
      throw new QueueFullError(engine.maxQueuedTasks, plan.size)
    }
    if (recorder.backlogFull()) throw new StorageBacklogError(recorder.stats().backlogBytes, engine.tracer.maxBufferedBytes)
    // Refused now, before anything runs, rather than an execution that storage cannot keep.
    if (inputBytes === undefined) recorder.checkValueSize(bytes.length, `the input of workflow "${workflowId}"`)
    const time = now()
    const root = otel.root(workflowId, plan.workflow.version, time, extra.parent)
    const exec = new Execution(extra.executionId ?? newExecutionId(), plan, bytes, {
      instanceId: this.#parts.instanceId,
      storeOutputs: engine.storeOutputs,
      maxMapSize: engine.maxMapSize,
      gated: engine.durability === 'task',
      now: time,
      traceId: root.traceId,
      rootSpanId: root.spanId,
      traceFlags: root.flags,
      parentSpanId: root.parentSpanId,
      retryOf,
      fence: extra.fence,
      priority: options.priority
    })
    if (extra.leaseUntil !== undefined) exec.lease(extra.leaseUntil)
    prepare?.(exec)
    history.started(exec)
    this.#started++
    lifecycle.executionStarted(exec, root)
    scheduler.start(exec, stopWith !== undefined || options.signal?.aborted === true)
    // An aborted signal stops the held execution here, before any of its tasks is sent.
    watchers.watch(exec, options.signal, options.timeout)
    // A queued execution cancelled before it started ends here, before any task is sent.
    if (stopWith !== undefined) scheduler.stop(exec, stopWith.code, stopWith.message)
    return exec
  }
}
