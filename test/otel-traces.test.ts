import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import { describe, expect, test } from 'vitest'
import { createWorkflow, type Engine } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'
import { memoryTracing, parentOf, spansNamed, useOtelContext } from './helpers/otel.js'

useOtelContext()

function tracedEngine (): { engine: Engine, exporter: ReturnType<typeof memoryTracing>['exporter'], provider: ReturnType<typeof memoryTracing>['provider'] } {
  const { provider, exporter } = memoryTracing()
  const engine = startEngine({ openTelemetry: { tracerProvider: provider, metrics: false } })
  return { engine, exporter, provider }
}

async function publishFlaky (engine: Engine, succeedOn: number): Promise<void> {
  await engine.publishWorkflow(createWorkflow('otel').setVersion('7')
    .addTask('ctx', { handler: subject('trace-context.mjs'), input: { succeedOn }, retry: { maxAutoRetries: 2 } })
    .addTask('after', { handler: sharedHandler('noop'), dependsOn: ['ctx'] })
    .build())
}

describe('OpenTelemetry traces', () => {
  test("an execution started inside an active span is that span's child, in storage and in the export", async () => {
    const { engine, exporter, provider } = tracedEngine()
    await publishFlaky(engine, 1)
    const caller = provider.getTracer('test').startSpan('http request')
    const result = await context.with(trace.setSpan(context.active(), caller), () => engine.execute('otel'))
    caller.end()
    const [execution] = spansNamed(exporter.getFinishedSpans(), 'execution otel')
    expect(execution.spanContext().traceId).toBe(caller.spanContext().traceId)
    expect(parentOf(execution)).toBe(caller.spanContext().spanId)
    const [root] = await engine.getExecutionTrace(result.executionId)
    expect(root.traceId).toBe(caller.spanContext().traceId)
    expect(root.parentSpanId).toBe(caller.spanContext().spanId)
    expect(root.spanId).toBe(execution.spanContext().spanId)
  })

  test('each task attempt is a span with its attributes, and its handler gets its traceparent', async () => {
    const { engine, exporter } = tracedEngine()
    await publishFlaky(engine, 1)
    const result = await engine.execute('otel')
    const spans = exporter.getFinishedSpans()
    const [execution] = spansNamed(spans, 'execution otel')
    const [task] = spansNamed(spans, 'ctx')
    expect(parentOf(task)).toBe(execution.spanContext().spanId)
    expect(task.attributes).toMatchObject({
      'graph_task.workflow.id': 'otel',
      'graph_task.execution.id': result.executionId,
      'graph_task.task.id': 'ctx',
      'graph_task.task.attempt': 1,
      'graph_task.task.status': 'success',
      'graph_task.task.handler': subject('trace-context.mjs').href
    })
    // The same figures as the stored trace: both are made from the same start and end times.
    const stored = (await engine.getExecutionTrace(result.executionId)).flatMap(function walk (n): typeof n[] { return [n, ...n.children.flatMap(walk)] }).find(s => s.taskId === 'ctx')!
    expect(task.attributes['graph_task.task.queue_wait_ms']).toBe(stored.attributes['graph_task.task.queue_wait_ms'])
    expect(task.attributes['graph_task.task.run_ms']).toBe(stored.attributes['graph_task.task.run_ms'])
    expect(task.attributes['thread.id']).toBeGreaterThan(0)
    expect(execution.attributes).toMatchObject({
      'graph_task.workflow.version': '7', 'graph_task.execution.id': result.executionId, 'graph_task.execution.status': 'success'
    })
    const { traceId, spanId } = task.spanContext()
    expect(result.tasks.ctx.output).toEqual({ traceparent: `00-${traceId}-${spanId}-01` })
  })

  test('a task that failed and was retried shows both attempts, the first with its exception', async () => {
    const { engine, exporter } = tracedEngine()
    await publishFlaky(engine, 2)
    const result = await engine.execute('otel')
    expect(result.status).toBe('success')
    const attempts = spansNamed(exporter.getFinishedSpans(), 'ctx')
    expect(attempts.map(s => s.attributes['graph_task.task.attempt'])).toEqual([1, 2])
    expect(attempts.map(s => s.attributes['graph_task.task.status'])).toEqual(['retrying', 'success'])
    expect(attempts[0].status).toMatchObject({ code: SpanStatusCode.ERROR })
    expect(attempts[0].events.map(e => e.name)).toEqual(['exception'])
    expect(attempts[0].attributes['graph_task.task.retry_delay_ms']).toBeGreaterThanOrEqual(0)
    // The handler's traceparent names the attempt that ran it: the second.
    expect((result.tasks.ctx.output as { traceparent: string }).traceparent).toContain(attempts[1].spanContext().spanId)
  })

  test("exported spans keep the trace and span ids of graph-task's stored spans", async () => {
    const { engine, exporter } = tracedEngine()
    await publishFlaky(engine, 3)
    const result = await engine.execute('otel')
    const stored = await engine.getExecutionTrace(result.executionId)
    const flat = stored.flatMap(root => [root, ...root.children])
    const exported = exporter.getFinishedSpans()
    expect(flat).toHaveLength(5)
    const key = (traceId: string, spanId: string, parent: string | undefined, name: string): string => `${traceId}/${spanId}/${parent}/${name}`
    expect(new Set(exported.map(s => key(s.spanContext().traceId, s.spanContext().spanId, parentOf(s), s.name))))
      .toEqual(new Set(flat.map(s => key(s.traceId, s.spanId, s.parentSpanId, s.name))))
    for (const span of flat.slice(1)) {
      const twin = exported.find(s => s.spanContext().spanId === span.spanId)!
      expect(twin.attributes['graph_task.task.attempt']).toBe(span.attributes['graph_task.task.attempt'])
    }
  })

  test('a skipped task is an event of the execution span, and a failed execution span is an error', async () => {
    const { engine, exporter } = tracedEngine()
    await engine.publishWorkflow(createWorkflow('skips')
      .addTask('bad', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 0 } })
      .addTask('never', { handler: sharedHandler('noop'), dependsOn: ['bad'] })
      .build())
    const result = await engine.execute('skips')
    expect(result.status).toBe('failed')
    const [execution] = spansNamed(exporter.getFinishedSpans(), 'execution skips')
    expect(execution.status.code).toBe(SpanStatusCode.ERROR)
    expect(execution.events.map(e => [e.name, e.attributes?.['graph_task.task.id']])).toEqual([['graph_task.task.skipped', 'never']])
    const [bad] = spansNamed(exporter.getFinishedSpans(), 'bad')
    expect(bad.attributes).toMatchObject({ 'graph_task.task.status': 'failed', 'error.type': 'TEST_FAILURE' })
  })

  test('each instance of a mapped task is its own span, named by its index and carrying it as an attribute', async () => {
    const { engine, exporter } = tracedEngine()
    const map = subject('map.mjs')
    await engine.publishWorkflow(createWorkflow('mapped')
      .addTask('list', { handler: `${map.href}#list` })
      .addTask('parse', { handler: `${map.href}#element`, map: 'list' })
      .build())
    const result = await engine.execute('mapped', { count: 3 })
    expect(result.status).toBe('success')
    const spans = exporter.getFinishedSpans().filter(s => s.attributes['graph_task.task.id'] === 'parse')
    expect(spans.map(s => [s.name, s.attributes['graph_task.task.map_index']]).sort()).toEqual([['parse[0]', 0], ['parse[1]', 1], ['parse[2]', 2]])
    // the stored trace names them the same way, with the same attribute
    const stored = (await engine.getExecutionTrace(result.executionId))[0].children.filter(c => c.taskId === 'parse')
    expect(stored.map(s => [s.name, s.attributes['graph_task.task.map_index']]).sort()).toEqual([['parse[0]', 0], ['parse[1]', 1], ['parse[2]', 2]])
  })
})
