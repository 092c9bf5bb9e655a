/**
 * The engine's one door to OpenTelemetry. `@opentelemetry/api` is an optional
 * peer: it is imported (dynamically) when the first workflow is published, and
 * when it is absent, or `openTelemetry: false`, every method below is a null
 * check and the engine makes its trace ids itself. With the API and no SDK, an
 * execution costs one no-op span and its tasks nothing: task spans are made only
 * for an execution whose span records, and no meter is used when the global one
 * is the API's no-op meter.
 *
 *   Engine.#start ──root()──▶ execution span (child of the active context) ─▶ ids of the Execution
 *   Lifecycle ──tasksSucceeded / attemptEnded / tasksEnded / executionFinished──▶ OtelTraces, OtelMetrics
 *   metric reader ──collect──▶ OtelMetrics gauges ──▶ engine.stats()
 */
import type * as Api from '@opentelemetry/api'
import type { Logger } from 'pino'
import type { ErrorInfo } from '../../errors.js'
import type { EngineStats } from '../../stats.js'
import type { Execution } from '../../runtime/execution.js'
import type { SpanParent } from '../span-ids.js'
import { TaskOutcome } from './otel-attributes.js'
import { OtelMetrics } from './otel-metrics.js'
import type { ResolvedOpenTelemetryOptions } from './otel-options.js'
import { OtelTraces, ownRoot, type TraceRoot } from './otel-traces.js'

export { TaskOutcome } from './otel-attributes.js'
export type { TraceRoot } from './otel-traces.js'

const kScope = 'graph-task'

export class OpenTelemetry {
  readonly #options: ResolvedOpenTelemetryOptions
  readonly #logger: Logger
  readonly #stats: () => EngineStats
  #loading: Promise<void> | null = null
  #api: typeof Api | null = null
  #traces: OtelTraces | null = null
  #metrics: OtelMetrics | null = null

  constructor (options: ResolvedOpenTelemetryOptions, logger: Logger, stats: () => EngineStats) {
    this.#options = options
    this.#logger = logger
    this.#stats = stats
  }

  /** Imports the API and makes the tracer and the meter, once; never rejects. */
  load (): Promise<void> {
    return this.#loading ??= this.#load()
  }

  /** How many exported task spans could not be given graph-task's span id (see otel-traces.ts). */
  get idMismatches (): number { return this.#traces?.idMismatches ?? 0 }

  async #load (): Promise<void> {
    const options = this.#options
    if (!options.enabled || (!options.traces && !options.metrics)) return
    let api: typeof Api
    try {
      api = await import('@opentelemetry/api')
    } catch (err) {
      if (options.tracerProvider !== undefined || options.meterProvider !== undefined) {
        this.#logger.warn({ err }, 'openTelemetry: a provider was given but @opentelemetry/api cannot be imported; nothing is reported')
      }
      return
    }
    this.#api = api
    if (options.traces) {
      const provider = (options.tracerProvider ?? api.trace.getTracerProvider()) as Api.TracerProvider
      this.#traces = new OtelTraces(api, provider.getTracer(kScope), this.#logger)
    }
    if (options.metrics) {
      const provider = (options.meterProvider ?? api.metrics.getMeterProvider()) as Api.MeterProvider
      const meter = provider.getMeter(kScope)
      // No SDK registered: the API's no-op meter. Tasks then skip the calls into it.
      if (meter !== api.createNoopMeter?.()) this.#metrics = new OtelMetrics(meter, this.#stats)
    }
  }

  /**
   * The trace a new execution starts in: under `parent` when given (a traceparent
   * from a queue), else under the context active now; its span starts at `time`.
   */
  root (workflowId: string, version: string, time: number, parent?: SpanParent): TraceRoot {
    const api = this.#api
    if (api === null) return ownRoot(parent)
    let context: Api.Context
    if (parent !== undefined) {
      context = api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.flags, isRemote: true })
    } else {
      context = api.context.active()
      const sc = api.trace.getSpanContext(context)
      if (sc !== undefined && api.isSpanContextValid(sc)) parent = { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags }
    }
    return this.#traces === null ? ownRoot(parent) : this.#traces.root(context, parent, workflowId, version, time)
  }

  executionStarted (exec: Execution, root: TraceRoot): void {
    if (root.span !== null) this.#traces!.started(exec, root.span)
  }

  tasksSucceeded (exec: Execution, tasks: Int32Array, count: number, threadId: number): void {
    this.#traces?.succeeded(exec, tasks, count, threadId)
    this.#metrics?.succeeded(exec, tasks, count)
  }

  attemptEnded (exec: Execution, i: number, start: number, end: number, threadId: number, error: ErrorInfo,
    outcome: TaskOutcome, delay = 0): void {
    this.#traces?.attemptEnded(exec, i, start, end, threadId, error, outcome, delay)
    this.#metrics?.attemptEnded(exec, i, start, end, outcome)
  }

  /** Tasks that end without running: skipped (a dependency failed) or cancelled. */
  tasksEnded (exec: Execution, tasks: readonly number[], outcome: TaskOutcome.Skipped | TaskOutcome.Cancelled): void {
    if (tasks.length === 0) return
    if (outcome === TaskOutcome.Skipped) this.#traces?.skipped(exec, tasks)
    this.#metrics?.ended(exec, tasks, outcome)
  }

  executionFinished (exec: Execution): void {
    this.#traces?.finished(exec)
    this.#metrics?.finished(exec)
  }

  /** Stops the gauges' callback: a closed engine reports nothing more. */
  close (): void {
    this.#metrics?.close()
  }
}
