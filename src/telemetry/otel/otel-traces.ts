/**
 * Spans exported through `@opentelemetry/api`: one per execution, started when
 * the execution starts as a child of the caller's context, and one per task
 * attempt, made after the fact (the attempt ran in a worker) with its real start
 * and end, a batch of successes in one loop.
 *
 * A task span keeps the id graph-task derived for it (span-ids.ts), which the
 * handler got as its traceparent and storage keeps. The API has no way to give a
 * span an id, so the span the tracer makes is given it before it ends: the SDK's
 * span holds its SpanContext by reference and its exporters read it at export.
 * A tracer whose spans copy their context keeps its own ids: that is counted
 * (`idMismatches`) and logged once.
 */
import { kCacheHitThread } from '../span-wire.js'
import type * as Api from '@opentelemetry/api'
import type { Logger } from 'pino'
import type { ErrorInfo } from '../../errors.js'
import type { Execution } from '../../runtime/execution.js'
import { newSpanId, newTraceId } from '../../ids.js'
import { taskSpanId, type SpanParent } from '../span-ids.js'
import { Attr, outcomeName, TaskOutcome } from './otel-attributes.js'

/** The trace an execution starts in, and its exported span when there is one. */
export interface TraceRoot {
  traceId: string
  spanId: string
  flags: number
  parentSpanId: string | undefined
  span: Api.Span | null
}

/** Ids of graph-task's own: a new trace, or the caller's. */
export function ownRoot (parent: SpanParent | undefined): TraceRoot {
  return parent === undefined
    ? { traceId: newTraceId(), spanId: newSpanId(), flags: 1, parentSpanId: undefined, span: null }
    : { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags, parentSpanId: parent.spanId, span: null }
}

interface Live {
  readonly span: Api.Span
  /** The context whose span is the execution's: the parent of its task spans. */
  readonly context: Api.Context
}

export class OtelTraces {
  readonly #api: typeof Api
  readonly #tracer: Api.Tracer
  readonly #logger: Logger
  readonly #live = new Map<Execution, Live>()
  #idMismatches = 0

  constructor (api: typeof Api, tracer: Api.Tracer, logger: Logger) {
    this.#api = api
    this.#tracer = tracer
    this.#logger = logger
  }

  get idMismatches (): number { return this.#idMismatches }

  /** Starts the execution's span under `parentContext` at `time` (epoch ms). */
  root (parentContext: Api.Context, parent: SpanParent | undefined, workflowId: string, version: string, time: number): TraceRoot {
    const span = this.#tracer.startSpan(`execution ${workflowId}`, {
      kind: this.#api.SpanKind.INTERNAL,
      startTime: time,
      attributes: { [Attr.workflowId]: workflowId, [Attr.workflowVersion]: version }
    }, parentContext)
    const sc = span.spanContext()
    // A no-op tracer answers with the parent's own context: not a span of ours.
    if (!this.#api.isSpanContextValid(sc) || sc.spanId === parent?.spanId) return ownRoot(parent)
    return { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags, parentSpanId: parent?.spanId, span: span.isRecording() ? span : null }
  }

  started (exec: Execution, span: Api.Span): void {
    span.setAttributes({ [Attr.executionId]: exec.id, [Attr.workflowTasks]: exec.plan.size })
    if (exec.retryOf !== undefined) span.setAttribute(Attr.retryOf, exec.retryOf)
    this.#live.set(exec, { span, context: this.#api.trace.setSpan(this.#api.ROOT_CONTEXT, span) })
  }

  /** The attempts in which `count` tasks of `exec` succeeded on thread `threadId`. */
  succeeded (exec: Execution, tasks: Int32Array, count: number, threadId: number): void {
    const live = this.#live.get(exec)
    if (live === undefined) return
    for (let t = 0; t < count; t++) {
      const i = tasks[t]
      this.#task(exec, live, i, exec.taskStart[i], exec.taskEnd[i], threadId, TaskOutcome.Success).end(exec.taskEnd[i])
    }
  }

  /** An attempt that ended in `error`: retried after `delay` ms, failed for good, or stopped. */
  attemptEnded (exec: Execution, i: number, start: number, end: number, threadId: number, error: ErrorInfo,
    outcome: TaskOutcome, delay: number): void {
    const live = this.#live.get(exec)
    if (live === undefined) return
    const span = this.#task(exec, live, i, start, end, threadId, outcome)
    if (outcome === TaskOutcome.Retrying) span.setAttribute(Attr.retryDelay, Math.round(delay))
    span.setAttribute(Attr.errorType, error.code)
    span.recordException({ name: error.code, message: error.message }, end)
    span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: error.message })
    span.end(end)
  }

  /** Tasks skipped because a dependency failed: events of the execution's span (they never ran). */
  skipped (exec: Execution, skipped: readonly number[]): void {
    const live = this.#live.get(exec)
    if (live === undefined) return
    for (let s = 0; s < skipped.length; s++) {
      const j = skipped[s]
      const event: Api.Attributes = { [Attr.taskId]: exec.taskIdOf(j), [Attr.skipReason]: exec.errorOf(j)?.message ?? 'skipped' }
      if (exec.mapIndex[j] !== -1) event[Attr.mapIndex] = exec.mapIndex[j]
      live.span.addEvent('graph_task.task.skipped', event, exec.updatedAt)
    }
  }

  finished (exec: Execution): void {
    const live = this.#live.get(exec)
    if (live === undefined) return
    this.#live.delete(exec)
    const { span } = live
    span.setAttributes({
      [Attr.executionStatus]: exec.status,
      [Attr.tasksSucceeded]: exec.succeeded,
      [Attr.tasksFailed]: exec.failed,
      [Attr.tasksSkipped]: exec.skipped
    })
    if (exec.status !== 'success') span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: exec.error?.message ?? exec.status })
    span.end(exec.endedAt)
  }

  #task (exec: Execution, live: Live, i: number, start: number, end: number, threadId: number, outcome: TaskOutcome): Api.Span {
    const attempt = exec.attempts[i]
    const t = exec.template[i]
    const attributes: Api.Attributes = {
      [Attr.workflowId]: exec.workflowId,
      [Attr.executionId]: exec.id,
      [Attr.taskId]: exec.plan.ids[t],
      [Attr.attempt]: attempt,
      [Attr.handler]: exec.plan.handlers[t],
      [Attr.taskStatus]: outcomeName(outcome),
      [Attr.queueWait]: Math.max(0, Math.round((start - exec.readyAt[i]) * 1000) / 1000),
      [Attr.runTime]: Math.round((end - start) * 1000) / 1000
    }
    if (threadId >= 0) attributes[Attr.threadId] = threadId
    if (threadId === kCacheHitThread) attributes[Attr.cached] = true
    const mapIndex = exec.mapIndex[i]
    if (mapIndex !== -1) attributes[Attr.mapIndex] = mapIndex
    const span = this.#tracer.startSpan(mapIndex === -1 ? exec.plan.ids[t] : `${exec.plan.ids[t]}[${mapIndex}]`, { kind: this.#api.SpanKind.INTERNAL, startTime: start, attributes }, live.context)
    const id = taskSpanId(exec.rootSpanId, i, attempt)
    const sc = span.spanContext() as { spanId: string }
    sc.spanId = id
    if (span.spanContext().spanId !== id && this.#idMismatches++ === 0) {
      this.#logger.warn('the OpenTelemetry tracer does not keep the span ids graph-task gives; exported task spans will not match stored ones')
    }
    return span
  }
}
