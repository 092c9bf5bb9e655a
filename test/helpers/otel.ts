/**
 * OpenTelemetry SDK parts for tests: a tracer provider exporting to memory, a metric
 * reader collected on demand, and the async-hooks context manager (set globally for the
 * test file and removed after it), so that `context.with` makes a span active.
 */
import { context } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { afterAll, beforeAll, onTestFinished } from 'vitest'

/** Installs the context manager for the file's tests. */
export function useOtelContext (): void {
  beforeAll(() => { context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()) })
  afterAll(() => { context.disable() })
}

/** A tracer provider whose spans end up in `exporter` as soon as they end; shut down with the test. */
export function memoryTracing (): { provider: TracerProvider, exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  onTestFinished(() => provider.shutdown())
  return { provider, exporter }
}

/** A reader that collects when asked: no timer. */
class OnDemandReader extends MetricReader {
  protected async onForceFlush (): Promise<void> {}
  protected async onShutdown (): Promise<void> {}
}

/** A meter provider and a function that collects what it holds now. */
export function memoryMetrics (): { provider: MeterProvider, collect: () => Promise<ResourceMetrics> } {
  const reader = new OnDemandReader()
  const provider = new MeterProvider({ readers: [reader] })
  onTestFinished(() => provider.shutdown())
  return { provider, collect: async () => (await reader.collect()).resourceMetrics }
}

/** Spans by name, in the order they ended. */
export function spansNamed (spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter(s => s.name === name)
}

/** The parent span id of an exported span (sdk-trace 3 keeps the parent's whole context). */
export function parentOf (span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId
}
