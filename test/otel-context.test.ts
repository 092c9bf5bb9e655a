import { context, trace } from '@opentelemetry/api'
import { describe, expect, test } from 'vitest'
import { createWorkflow, InvalidOptionsError, type Engine } from '../dist/index.js'
import { executeUnderTraceparent } from '../dist/otel.js'
import { startEngine, subject } from './helpers/engine.js'
import { memoryTracing, parentOf, spansNamed, useOtelContext } from './helpers/otel.js'

useOtelContext()

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
const spanId = '00f067aa0ba902b7'

async function publish (engine: Engine): Promise<void> {
  await engine.publishWorkflow(createWorkflow('ctx').addTask('t', { handler: subject('trace-context.mjs') }).build())
}

describe('trace context', () => {
  test('an execution started under a traceparent joins that trace, exported and stored', async () => {
    const { provider, exporter } = memoryTracing()
    const engine = startEngine({ openTelemetry: { tracerProvider: provider, metrics: false } })
    await publish(engine)
    const { id, done } = executeUnderTraceparent(engine, `00-${traceId}-${spanId}-01`, 'ctx')
    const result = await done
    expect(result.executionId).toBe(id)
    const [execution] = spansNamed(exporter.getFinishedSpans(), 'execution ctx')
    expect(execution.spanContext().traceId).toBe(traceId)
    expect(parentOf(execution)).toBe(spanId)
    const [root] = await engine.getExecutionTrace(id)
    expect(root).toMatchObject({ traceId, parentSpanId: spanId, spanId: execution.spanContext().spanId })
  })

  test('a manual retry started inside an active span is its child', async () => {
    const { provider, exporter } = memoryTracing()
    const engine = startEngine({ openTelemetry: { tracerProvider: provider, metrics: false } })
    await engine.publishWorkflow(createWorkflow('again').addTask('t', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 0 } }).build())
    const failed = await engine.execute('again')
    const caller = provider.getTracer('test').startSpan('operator action')
    const retried = await context.with(trace.setSpan(context.active(), caller), () => engine.manualRetry(failed.executionId))
    caller.end()
    const executions = spansNamed(exporter.getFinishedSpans(), 'execution again')
    expect(executions).toHaveLength(2)
    const retry = executions.find(s => s.attributes['graph_task.execution.id'] === retried.executionId)!
    expect(parentOf(retry)).toBe(caller.spanContext().spanId)
    expect(retry.attributes['graph_task.execution.retry_of']).toBe(failed.executionId)
  })

  test('without OpenTelemetry the stored trace still joins a traceparent, and handlers get their span', async () => {
    const engine = startEngine({ openTelemetry: false })
    await publish(engine)
    const result = await executeUnderTraceparent(engine, `00-${traceId}-${spanId}-00`, 'ctx').done
    const [root] = await engine.getExecutionTrace(result.executionId)
    expect(root).toMatchObject({ traceId, parentSpanId: spanId })
    const [task] = root.children
    // The sampled flag is the caller's: 00 here.
    expect(result.tasks.t.output).toEqual({ traceparent: `00-${traceId}-${task.spanId}-00` })
  })

  test('a malformed traceparent is ignored: the execution starts a trace of its own', async () => {
    const engine = startEngine({ openTelemetry: false })
    await publish(engine)
    const result = await executeUnderTraceparent(engine, `00-${'0'.repeat(32)}-${spanId}-01`, 'ctx').done
    const [root] = await engine.getExecutionTrace(result.executionId)
    expect(root.traceId).not.toBe('0'.repeat(32))
    expect(root.parentSpanId).toBeUndefined()
    expect(result.tasks.t.output).toEqual({ traceparent: `00-${root.traceId}-${root.children[0].spanId}-01` })
  })

  test('openTelemetry options refuse unknown keys and wrong types, naming them', () => {
    expect(() => startEngine({ openTelemetry: { tracerprovider: {} } as never })).toThrow(InvalidOptionsError)
    expect(() => startEngine({ openTelemetry: { tracerprovider: {} } as never }))
      .toThrow("unknown option 'tracerprovider' in openTelemetry; did you mean 'tracerProvider'?")
    expect(() => startEngine({ openTelemetry: { traces: 'yes' } as never })).toThrow('openTelemetry.traces must be a boolean')
    expect(() => startEngine({ openTelemetry: { meterProvider: {} } as never })).toThrow('openTelemetry.meterProvider must be a MeterProvider')
  })
})
