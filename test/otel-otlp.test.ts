import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { describe, expect, onTestFinished, test } from 'vitest'
import { createWorkflow } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'

interface OtlpValue { stringValue?: string, intValue?: string | number, doubleValue?: number }
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  attributes: Array<{ key: string, value: OtlpValue }>
}

/** An OTLP/HTTP receiver on port 0: decodes each JSON request and keeps its spans. */
async function receiver (): Promise<{ url: string, spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      expect(req.url).toBe('/v1/traces')
      expect(req.headers['content-type']).toContain('application/json')
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>(resolve => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans }
}

function attribute (span: OtlpSpan, key: string): unknown {
  const v = span.attributes.find(a => a.key === key)?.value
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : v?.doubleValue)
}

describe('OTLP export', () => {
  test('spans reach an OTLP/HTTP receiver through the real exporter with the ids storage keeps', async () => {
    const { url, spans } = await receiver()
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) })] })
    onTestFinished(() => provider.shutdown())
    const engine = startEngine({ openTelemetry: { tracerProvider: provider, metrics: false } })
    await engine.publishWorkflow(createWorkflow('otlp')
      .addTask('first', { handler: subject('flaky.mjs'), input: { succeedOn: 2 } })
      .addTask('second', { handler: sharedHandler('noop'), dependsOn: ['first'] })
      .build())
    const result = await engine.execute('otlp')
    await provider.forceFlush()
    const [root] = await engine.getExecutionTrace(result.executionId)
    const stored = [root, ...root.children]
    expect(spans.map(s => `${s.name}/${s.spanId}/${s.parentSpanId ?? ''}`).sort())
      .toEqual(stored.map(s => `${s.name}/${s.spanId}/${s.parentSpanId ?? ''}`).sort())
    for (const span of spans) expect(span.traceId).toBe(root.traceId)
    const first = spans.filter(s => s.name === 'first')
    expect(first.map(s => attribute(s, 'graph_task.task.attempt')).sort()).toEqual([1, 2])
    expect(first.map(s => attribute(s, 'graph_task.task.status')).sort()).toEqual(['retrying', 'success'])
    const execution = spans.find(s => s.name === 'execution otlp')!
    expect(attribute(execution, 'graph_task.execution.id')).toBe(result.executionId)
    expect(attribute(execution, 'graph_task.workflow.id')).toBe('otlp')
  })
})
