import type { ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { describe, expect, test } from 'vitest'
import { createWorkflow } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'
import { memoryMetrics } from './helpers/otel.js'

interface Point { attributes: Record<string, unknown>, value: unknown }

function points (metrics: ResourceMetrics, name: string): Point[] {
  const metric = metrics.scopeMetrics.flatMap(s => s.metrics).find(m => m.descriptor.name === name)
  return (metric?.dataPoints ?? []) as Point[]
}

/** Sum (or histogram count) of the points whose attributes include `match`. */
function total (metrics: ResourceMetrics, name: string, match: Record<string, unknown> = {}): number {
  let sum = 0
  for (const p of points(metrics, name)) {
    if (!Object.entries(match).every(([k, v]) => p.attributes[k] === v)) continue
    sum += typeof p.value === 'number' ? p.value : (p.value as { count: number }).count
  }
  return sum
}

describe('OpenTelemetry metrics', () => {
  test('counters and histograms count exactly what ran, by workflow, task and status', async () => {
    const { provider, collect } = memoryMetrics()
    const engine = startEngine({ openTelemetry: { meterProvider: provider, traces: false } })
    await engine.publishWorkflow(createWorkflow('m')
      .addTask('a', { handler: sharedHandler('noop') })
      .addTask('b', { handler: subject('flaky.mjs'), input: { succeedOn: 2 }, dependsOn: ['a'] })
      .addTask('c', { handler: subject('fail.mjs'), retry: { maxAutoRetries: 0 } })
      .addTask('d', { handler: sharedHandler('noop'), dependsOn: ['c'] })
      .build())
    for (let run = 0; run < 3; run++) expect((await engine.execute('m')).status).toBe('failed')
    const m = await collect()
    const wf = { 'graph_task.workflow.id': 'm' }
    expect(total(m, 'graph_task.executions', { ...wf, 'graph_task.execution.status': 'failed' })).toBe(3)
    expect(total(m, 'graph_task.executions')).toBe(3)
    expect(total(m, 'graph_task.execution.duration')).toBe(3)
    const tasks = (task: string, status: string): number => total(m, 'graph_task.tasks', { ...wf, 'graph_task.task.id': task, 'graph_task.task.status': status })
    expect([tasks('a', 'success'), tasks('b', 'success'), tasks('c', 'failed'), tasks('d', 'skipped')]).toEqual([3, 3, 3, 3])
    expect(total(m, 'graph_task.tasks')).toBe(12)
    expect(total(m, 'graph_task.task.retries', { 'graph_task.task.id': 'b' })).toBe(3)
    expect(total(m, 'graph_task.task.retries')).toBe(3)
    // One run time and one queue wait per attempt: a, b twice, c.
    expect(total(m, 'graph_task.task.duration')).toBe(12)
    expect(total(m, 'graph_task.task.duration', { 'graph_task.task.id': 'b', 'graph_task.task.status': 'retrying' })).toBe(3)
    expect(total(m, 'graph_task.task.queue_wait')).toBe(12)
    const descriptor = m.scopeMetrics.flatMap(s => s.metrics).find(x => x.descriptor.name === 'graph_task.task.duration')!.descriptor
    expect(descriptor.unit).toBe('s')
  })

  test('gauges report tasks in flight, executions running and busy threads from engine.stats()', async () => {
    const { provider, collect } = memoryMetrics()
    const engine = startEngine({ openTelemetry: { meterProvider: provider, traces: false } })
    await engine.publishWorkflow(createWorkflow('stuck').addTask('wait', { handler: subject('never-settles.mjs') }).build())
    const id = await engine.executeAsync('stuck')
    await expect.poll(async () => total(await collect(), 'graph_task.tasks.in_flight'), { timeout: 10_000 }).toBe(1)
    const running = await collect()
    expect(total(running, 'graph_task.executions.running')).toBe(1)
    expect(total(running, 'graph_task.worker_threads.busy')).toBe(1)
    expect(total(running, 'graph_task.tasks.queued')).toBe(1)
    expect(total(running, 'graph_task.telemetry.spans.dropped')).toBe(engine.stats().tracer.spansDropped)
    await engine.cancelExecution(id)
    const result = await engine.getExecutionResult(id)
    expect(result.status).toBe('cancelled')
    // The stopped batch stays in flight until its worker is terminated (cancelGracePeriod).
    await expect.poll(async () => total(await collect(), 'graph_task.tasks.in_flight'), { timeout: 10_000 }).toBe(0)
    const after = await collect()
    expect(total(after, 'graph_task.executions.running')).toBe(0)
    expect(total(after, 'graph_task.tasks', { 'graph_task.task.status': 'cancelled' })).toBe(1)
    expect(total(after, 'graph_task.executions', { 'graph_task.execution.status': 'cancelled' })).toBe(1)
  })

  test('a workflow of more than 256 tasks is counted by workflow, without task ids', async () => {
    const { provider, collect } = memoryMetrics()
    const engine = startEngine({ openTelemetry: { meterProvider: provider, traces: false } })
    let builder = createWorkflow('wide')
    for (let t = 0; t < 300; t++) builder = builder.addTask(`t${t}`, { handler: sharedHandler('noop') })
    await engine.publishWorkflow(builder.build())
    expect((await engine.execute('wide')).status).toBe('success')
    const m = await collect()
    expect(points(m, 'graph_task.tasks')).toEqual([expect.objectContaining({
      attributes: { 'graph_task.workflow.id': 'wide', 'graph_task.task.status': 'success' }, value: 300
    })])
    expect(points(m, 'graph_task.task.duration').map(p => p.attributes)).toEqual([{ 'graph_task.workflow.id': 'wide', 'graph_task.task.status': 'success' }])
    expect(total(m, 'graph_task.task.duration')).toBe(300)
  })
})
