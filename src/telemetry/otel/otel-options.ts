/**
 * Options of the OpenTelemetry bridge. The provider types are structural, so that
 * graph-task's declarations do not name `@opentelemetry/api`, an optional peer.
 */
import { InvalidOptionsError } from '../../errors.js'
import { rejectUnknownKeys } from '../../option-keys.js'

/** What `getTracer` of an OpenTelemetry `TracerProvider` is. */
export interface TracerProviderLike {
  getTracer (name: string, version?: string): unknown
}

/** What `getMeter` of an OpenTelemetry `MeterProvider` is. */
export interface MeterProviderLike {
  getMeter (name: string, version?: string): unknown
}

/**
 * Traces and metrics through `@opentelemetry/api`. Nothing happens when the package
 * is not installed; with it and no SDK registered, the cost is a no-op span per execution.
 */
export interface OpenTelemetryOptions {
  /**
   * Export a span per execution (a child of the context active when it starts) and
   * one per task attempt.
   * @default true
   */
  traces?: boolean
  /**
   * Record counters, histograms and gauges (see the README's list).
   * @default true
   */
  metrics?: boolean
  /**
   * The provider of the tracer; the global one (`trace.getTracerProvider()`) when absent.
   * @default undefined
   */
  tracerProvider?: TracerProviderLike
  /**
   * The provider of the meter; the global one (`metrics.getMeterProvider()`), as it
   * is when the first workflow is published, when absent.
   * @default undefined
   */
  meterProvider?: MeterProviderLike
}

export interface ResolvedOpenTelemetryOptions {
  /** False when `openTelemetry: false`: the package is not even loaded. */
  enabled: boolean
  traces: boolean
  metrics: boolean
  tracerProvider: TracerProviderLike | undefined
  meterProvider: MeterProviderLike | undefined
}

const kDefaults: ResolvedOpenTelemetryOptions = Object.freeze({
  enabled: true,
  traces: true,
  metrics: true,
  tracerProvider: undefined,
  meterProvider: undefined
})

const kKeys: ReadonlySet<string> = new Set(['traces', 'metrics', 'tracerProvider', 'meterProvider'])

/** @throws {InvalidOptionsError} naming the option and the rule */
export function resolveOpenTelemetryOptions (options: OpenTelemetryOptions | boolean | undefined): ResolvedOpenTelemetryOptions {
  if (options === undefined || options === true) return kDefaults
  if (options === false) return Object.freeze({ ...kDefaults, enabled: false })
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('openTelemetry must be a boolean or an object')
  }
  rejectUnknownKeys(options, kKeys, 'openTelemetry')
  for (const key of ['traces', 'metrics'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') throw new InvalidOptionsError(`openTelemetry.${key} must be a boolean`)
  }
  const { tracerProvider, meterProvider } = options
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function') {
    throw new InvalidOptionsError('openTelemetry.tracerProvider must be a TracerProvider (with getTracer())')
  }
  if (meterProvider !== undefined && typeof meterProvider?.getMeter !== 'function') {
    throw new InvalidOptionsError('openTelemetry.meterProvider must be a MeterProvider (with getMeter())')
  }
  return Object.freeze({ ...kDefaults, ...stripUndefined(options) })
}

function stripUndefined (o: OpenTelemetryOptions): OpenTelemetryOptions {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(o)) if (value !== undefined) out[key] = value
  return out
}
