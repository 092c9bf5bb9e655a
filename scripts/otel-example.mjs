#!/usr/bin/env node
/**
 * graph-task with OpenTelemetry: traces to an OTLP/HTTP collector (Jaeger, Tempo, the
 * OpenTelemetry Collector...) and metrics for Prometheus to scrape. The application owns
 * the SDK: graph-task only speaks @opentelemetry/api, and finds the providers registered
 * here (or takes them from `new Engine({ openTelemetry: { tracerProvider, meterProvider } })`).
 *
 *   npm run build && node scripts/otel-example.mjs [--runs 3] [--hold 0]
 *
 * Spans go to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (default http://localhost:4318/v1/traces);
 * metrics are served at http://localhost:9464/metrics while the script runs (`--hold` ms
 * keeps it up after the runs, for a scrape). With no collector listening, the exporter
 * reports its failed sends and the script still runs.
 */
import { parseArgs } from 'node:util'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { Engine } from 'graph-task'
import workflow from '../workflows/image-pipeline/workflow.mjs'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, hold: { type: 'string', default: '0' } } })

// 1. The SDK, set up by the application before the engine publishes its first workflow.
const resource = resourceFromAttributes({ 'service.name': 'graph-task-example' })
const tracerProvider = new TracerProvider({ resource, spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] })
const prometheus = new PrometheusExporter({ port: 9464 })
const meterProvider = new MeterProvider({ resource, readers: [prometheus] })
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
propagation.setGlobalPropagator(new W3CTraceContextPropagator())
trace.setGlobalTracerProvider(tracerProvider)
// metrics.setGlobalMeterProvider(meterProvider) would do as well; here it is passed explicitly.

// 2. The engine: the global tracer provider, this meter provider.
const engine = new Engine({ threads: 2, openTelemetry: { meterProvider } })
await engine.publishWorkflow(workflow)

// 3. Executions started inside a span (an HTTP request's, say) are children of it.
const tracer = trace.getTracer('example')
for (let run = 0; run < Number(values.runs); run++) {
  await tracer.startActiveSpan('handle request', async span => {
    const result = await engine.execute('image-pipeline', { width: 256, height: 256, seed: run + 1 })
    console.log(`run ${run + 1}: ${result.status} in ${result.duration.toFixed(1)} ms, trace ${span.spanContext().traceId}`)
    span.end()
  })
}
const scrape = await (await fetch('http://localhost:9464/metrics')).text()
console.log(scrape.split('\n').filter(line => line.startsWith('graph_task_tasks') || line.startsWith('graph_task_executions')).join('\n'))
await new Promise(resolve => setTimeout(resolve, Number(values.hold)))
await engine.close()
await tracerProvider.shutdown().catch(err => console.log(`spans not delivered (${err.message}): is a collector listening?`))
await meterProvider.shutdown()
