/**
 * Metrics through `@opentelemetry/api`. Task counts are an increment in a typed
 * array per task (the SDK's `counter.add` costs microseconds: attributes hashed,
 * a clock read), reported by observable counters when the reader collects, with
 * the gauges read from `engine.stats()`, in one callback. Histograms have no
 * observable form: run time and queue wait are recorded per attempt, execution
 * duration and the execution counter per execution. Attribute sets are made once
 * per plan, task and status. Names and units follow OpenTelemetry's semantic
 * conventions (durations in seconds); the README lists them.
 */
import type * as Api from '@opentelemetry/api'
import type { EngineStats } from '../../stats.js'
import type { Execution } from '../../runtime/execution.js'
import { AttributeCache, TaskOutcome, type PlanAttributes } from './otel-attributes.js'

// Tasks of tens of microseconds to executions of minutes.
const kBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

export class OtelMetrics {
  readonly #attributes = new AttributeCache()
  readonly #meter: Api.Meter
  readonly #executions: Api.Counter
  readonly #taskDuration: Api.Histogram
  readonly #queueWait: Api.Histogram
  readonly #executionDuration: Api.Histogram
  readonly #gauges: Api.Observable[]
  readonly #observe: Api.BatchObservableCallback

  constructor (meter: Api.Meter, stats: () => EngineStats) {
    this.#meter = meter
    const advice = { explicitBucketBoundaries: kBuckets }
    this.#executions = meter.createCounter('graph_task.executions', { unit: '{execution}', description: 'Executions finished, by workflow and status' })
    const tasks = meter.createObservableCounter('graph_task.tasks', { unit: '{task}', description: 'Tasks that reached a final state, by workflow, task and status' })
    const retries = meter.createObservableCounter('graph_task.task.retries', { unit: '{attempt}', description: 'Failed task attempts that were retried' })
    this.#taskDuration = meter.createHistogram('graph_task.task.duration', { unit: 's', description: 'Run time of a task attempt in its worker', advice })
    this.#queueWait = meter.createHistogram('graph_task.task.queue_wait', { unit: 's', description: 'Time from a task being ready to its attempt starting', advice })
    this.#executionDuration = meter.createHistogram('graph_task.execution.duration', { unit: 's', description: 'Duration of an execution', advice })
    const inFlight = meter.createObservableGauge('graph_task.tasks.in_flight', { unit: '{task}', description: 'Tasks handed to worker threads and not settled' })
    const queued = meter.createObservableGauge('graph_task.tasks.queued', { unit: '{task}', description: 'Accepted tasks not finished (bounded by maxQueuedTasks)' })
    const running = meter.createObservableGauge('graph_task.executions.running', { unit: '{execution}', description: 'Executions running on this instance' })
    const busy = meter.createObservableGauge('graph_task.worker_threads.busy', { unit: '{thread}', description: 'Worker threads running a batch' })
    const buffered = meter.createObservableGauge('graph_task.telemetry.buffered', { unit: '{item}', description: 'Spans and log lines buffered on their way to storage' })
    const spansDropped = meter.createObservableCounter('graph_task.telemetry.spans.dropped', { unit: '{span}', description: 'Spans dropped because the buffer was full' })
    const logsDropped = meter.createObservableCounter('graph_task.telemetry.logs.dropped', { unit: '{log}', description: 'Log lines dropped because the buffer was full' })
    const writeErrors = meter.createObservableCounter('graph_task.storage.write_errors', { unit: '{error}', description: 'Failed writes to storage (each retry that fails counts)' })
    const cacheHits = meter.createObservableCounter('graph_task.cache.hits', { unit: '{task}', description: 'Cached tasks that took a stored result instead of running' })
    const cacheMisses = meter.createObservableCounter('graph_task.cache.misses', { unit: '{task}', description: 'Cached tasks that found no stored result and ran' })
    this.#gauges = [tasks, retries, inFlight, queued, running, busy, buffered, spansDropped, logsDropped, writeErrors, cacheHits, cacheMisses]
    this.#observe = result => {
      const s = stats()
      result.observe(inFlight, s.scheduler.tasksInFlight)
      result.observe(queued, s.scheduler.tasksQueued)
      result.observe(running, s.executionsRunning)
      result.observe(busy, s.scheduler.threadsBusy)
      result.observe(buffered, s.tracer.pending)
      result.observe(spansDropped, s.tracer.spansDropped)
      result.observe(logsDropped, s.tracer.logsDropped)
      result.observe(writeErrors, s.tracer.writeErrors)
      result.observe(cacheHits, s.cache.hits)
      result.observe(cacheMisses, s.cache.misses)
      for (const plan of this.#attributes.values()) observeCounts(result, plan, tasks, retries)
    }
    meter.addBatchObservableCallback(this.#observe, this.#gauges)
  }

  succeeded (exec: Execution, tasks: Int32Array, count: number): void {
    const attributes = this.#attributes.of(exec.plan)
    for (let t = 0; t < count; t++) {
      const i = tasks[t]
      this.#attempt(attributes, exec, i, exec.taskStart[i], exec.taskEnd[i], TaskOutcome.Success)
      attributes.count(exec.template[i], TaskOutcome.Success)
    }
  }

  attemptEnded (exec: Execution, i: number, start: number, end: number, outcome: TaskOutcome): void {
    const attributes = this.#attributes.of(exec.plan)
    this.#attempt(attributes, exec, i, start, end, outcome)
    // A stopped attempt's task is counted with the cancelled ones (ended).
    if (outcome !== TaskOutcome.Cancelled) attributes.count(exec.template[i], outcome)
  }

  /** Tasks that end without an attempt of theirs: skipped, or cancelled before they ran. */
  ended (exec: Execution, tasks: readonly number[], outcome: TaskOutcome): void {
    const attributes = this.#attributes.of(exec.plan)
    // An instance counts as a task of its mapped task's series.
    for (let t = 0; t < tasks.length; t++) attributes.count(exec.template[tasks[t]], outcome)
  }

  finished (exec: Execution): void {
    const attributes = this.#attributes.of(exec.plan).execution(exec.status)
    this.#executions.add(1, attributes)
    this.#executionDuration.record((exec.endedAt - exec.startedAt) / 1000, attributes)
  }

  close (): void {
    this.#meter.removeBatchObservableCallback(this.#observe, this.#gauges)
  }

  #attempt (attributes: PlanAttributes, exec: Execution, i: number, start: number, end: number, outcome: TaskOutcome): void {
    const t = exec.template[i]
    this.#taskDuration.record((end - start) / 1000, attributes.outcome(t, outcome))
    this.#queueWait.record(Math.max(0, start - exec.readyAt[i]) / 1000, attributes.task(t))
  }
}

/** The counts of one plan: tasks by final outcome, and retried attempts. */
function observeCounts (result: Api.BatchObservableResult, plan: PlanAttributes, tasks: Api.Observable, retries: Api.Observable): void {
  const { counts, series } = plan
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] === 0) continue
    const outcome: TaskOutcome = Math.floor(k / series)
    const i = k - outcome * series
    if (outcome === TaskOutcome.Retrying) result.observe(retries, counts[k], plan.task(i))
    else result.observe(tasks, counts[k], plan.outcome(i, outcome))
  }
}
