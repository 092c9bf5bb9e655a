/**
 * What OpenTelemetry costs graph-task: the same work on four engines, in the same run,
 * cases interleaved, medians:
 *   without OpenTelemetry     `openTelemetry: false`: @opentelemetry/api is never imported,
 *                             the path an install without the package takes (the baseline)
 *   API, no SDK               the default, with @opentelemetry/api installed and no SDK
 *                             registered: a no-op span per execution, nothing per task
 *   SDK, every task span      a TracerProvider with a BatchSpanProcessor recording every
 *                             execution and task span; its exporter discards (the cost of
 *                             encoding and sending is the exporter's, not graph-task's)
 *   SDK, spans and metrics    the same, and a MeterProvider recording every counter and
 *                             histogram (collected once, at the end, to check the counts)
 * Scenarios: dispatch (a 10k-task layered DAG and a 2k-step chain of no-ops: tasks/s) and
 * 1 ms CPU efficiency (1000 independent tasks of calibrated fixed work: ideal / achieved).
 * Goal: ratio >= 0.99 with no SDK, >= 0.90 with the SDK recording every task span.
 *
 *   npx tsx bench/otel.bench.ts [--rounds 7]
 */
import { parseArgs } from 'node:util'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace'
import { Engine, type EngineOptions, type Workflow } from '../dist/index.js'
import { sampled, type Sample } from './lib/elu.js'
import { chain, independent, layered, toWorkflow } from './lib/graphs.js'
import { NOOP, WORK } from './lib/pool.js'
import { interleave, median, Report, THREADS } from './lib/report.js'
import { calibrate, inlineMs, iterationsFor } from './lib/work.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } })
const rounds = Number(values.rounds)
const LAYERED_TASKS = 10_000
const CHAIN_STEPS = 2_000
const CPU_TASKS = 1000

let exported = 0
// Counts and forgets: what an exporter does after the processor is graph-task's no longer.
const discard: SpanExporter = {
  export (spans: ReadableSpan[], done) { exported += spans.length; done({ code: 0 }) },
  shutdown: async () => {}
}
class OnDemandReader extends MetricReader {
  protected async onForceFlush (): Promise<void> {}
  protected async onShutdown (): Promise<void> {}
}
const tracerProvider = new TracerProvider({
  spanProcessors: [new BatchSpanProcessor({ exporter: discard, maxQueueSize: 65_536, maxExportBatchSize: 512, scheduledDelayMillis: 500 })]
})
const reader = new OnDemandReader()
const meterProvider = new MeterProvider({ readers: [reader] })

const configs: Record<string, EngineOptions['openTelemetry']> = {
  without: false,
  'no SDK': undefined,
  'SDK spans': { tracerProvider, metrics: false },
  'SDK spans + metrics': { tracerProvider, meterProvider }
}
const labels: Record<string, string> = {
  without: 'without OpenTelemetry',
  'no SDK': '@opentelemetry/api, no SDK registered',
  'SDK spans': 'SDK + BatchSpanProcessor, every task span',
  'SDK spans + metrics': 'SDK, every task span and metrics'
}
const targets: Record<string, number> = { 'no SDK': 0.99, 'SDK spans': 0.90, 'SDK spans + metrics': 0.90 }

const report = new Report('otel', 'OpenTelemetry cost: the same engine without it, with the API and no SDK, with the SDK recording every span, and with metrics')
const engines = Object.fromEntries(Object.entries(configs).map(([name, openTelemetry]) => [name, new Engine({ threads: THREADS, openTelemetry })]))
try {
  const perUs = calibrate()
  const layeredWf = toWorkflow(layered(LAYERED_TASKS, 32), NOOP)
  const chainWf = toWorkflow(chain(CHAIN_STEPS), NOOP)
  const cpuWf = toWorkflow(independent(CPU_TASKS), WORK, { iterations: iterationsFor(1000, perUs) }, `work-1ms-x${CPU_TASKS}`)
  for (const engine of Object.values(engines)) for (const wf of [layeredWf, chainWf, cpuWf]) await engine.publishWorkflow(wf)
  const execute = async (engine: Engine, wf: Workflow): Promise<void> => {
    const result = await engine.execute(wf.id)
    if (result.status !== 'success') throw new Error(`${wf.id} ended ${result.status}: ${result.error?.message}`)
    await engine.flush()
  }
  const cases: Record<string, () => Promise<Sample>> = {
    inline: async () => { const ms = inlineMs(CPU_TASKS, iterationsFor(1000, perUs)); return { ms, activeMs: ms, cpuMs: NaN, waitMs: NaN } }
  }
  for (const [name, engine] of Object.entries(engines)) {
    cases[`layered ${name}`] = () => sampled(() => execute(engine, layeredWf))
    cases[`chain ${name}`] = () => sampled(() => execute(engine, chainWf))
    cases[`cpu ${name}`] = () => sampled(() => execute(engine, cpuWf))
  }
  // One untimed round: JIT, handler modules loaded, run-time estimates measured.
  await interleave(cases, 1)
  const samples = await interleave(cases, rounds)
  const ms = (key: string): number => median(samples[key].map(s => s.ms))
  const ideal = ms('inline') / THREADS
  const scenarios = [
    { key: 'layered', label: `dispatch, ${LAYERED_TASKS / 1000}k-task layered DAG of no-ops`, unit: 'tasks/s', value: (n: string) => LAYERED_TASKS / ms(`layered ${n}`) * 1000 },
    { key: 'chain', label: `dispatch, ${CHAIN_STEPS / 1000}k-step chain of no-ops`, unit: 'tasks/s', value: (n: string) => CHAIN_STEPS / ms(`chain ${n}`) * 1000 },
    { key: 'cpu', label: `1 ms x ${CPU_TASKS} CPU efficiency`, unit: 'of ideal', value: (n: string) => ideal / ms(`cpu ${n}`) }
  ]
  for (const s of scenarios) {
    const base = s.value('without')
    report.add({ name: `${s.label}: ${labels.without}`, value: base, unit: s.unit })
    for (const name of ['no SDK', 'SDK spans', 'SDK spans + metrics']) {
      report.add({
        name: `${s.label}: ${labels[name]}`, value: s.value(name), unit: s.unit,
        baseline: { name: labels.without, value: base, kind: 'reference' },
        target: { op: '>=', value: targets[name] }
      })
    }
  }
  // Main-thread CPU per task (on-CPU time, /proc/thread-self/schedstat): the steadier
  // figure on a shared box, where wall time also counts the time other work held the core.
  for (const [key, label, tasks] of [['layered', `dispatch, ${LAYERED_TASKS / 1000}k-task layered DAG`, LAYERED_TASKS], ['chain', `dispatch, ${CHAIN_STEPS / 1000}k-step chain`, CHAIN_STEPS]] as const) {
    const cpuUs = (name: string): number => median(samples[`${key} ${name}`].map(s => s.cpuMs)) * 1000 / tasks
    if (!Number.isFinite(cpuUs('without'))) break
    report.add({ name: `${label}: main-thread CPU per task, ${labels.without}`, value: cpuUs('without'), unit: 'us/task' })
    for (const name of ['no SDK', 'SDK spans', 'SDK spans + metrics']) {
      report.add({
        name: `${label}: main-thread CPU per task, ${labels[name]}`, value: cpuUs(name), unit: 'us/task',
        baseline: { name: labels.without, value: cpuUs('without'), kind: 'reference' },
        target: { op: '<=', value: 1 / targets[name] }
      })
    }
  }
  await tracerProvider.forceFlush()
  const { resourceMetrics } = await reader.collect()
  const tasks = resourceMetrics.scopeMetrics.flatMap(s => s.metrics).find(m => m.descriptor.name === 'graph_task.tasks')
  const counted = (tasks?.dataPoints ?? []).reduce((sum, p) => sum + (p.value as number), 0)
  const ran = (rounds + 1) * (LAYERED_TASKS + CHAIN_STEPS + CPU_TASKS)
  if (counted !== ran) throw new Error(`metrics counted ${counted} tasks, ${ran} ran`)
  report.note(`spans exported by the SDK engines: ${exported} (every execution and task span of both, warm-up included); graph_task.tasks counted ${counted} = tasks run by the metrics engine`)
  report.note(`medians of ${rounds} interleaved rounds after one warm-up round; ${THREADS} threads per engine, four engines in one process; graph-task's clock stops after engine.flush(); 1 ms CPU ideal ${ideal.toFixed(0)} ms`)
  for (const [key, v] of Object.entries(samples)) report.detail(`${key}: ${v.map(x => x.ms.toFixed(1)).join(', ')} ms`)
  report.write()
} finally {
  for (const engine of Object.values(engines)) await engine.close()
  await tracerProvider.shutdown()
  await meterProvider.shutdown()
}
