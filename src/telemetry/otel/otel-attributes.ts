/**
 * Attribute names of the spans and metrics graph-task reports through
 * OpenTelemetry (listed in the README), and the attribute sets of metrics, made
 * once per plan, task and status: recording a measurement allocates nothing.
 */
import type { Plan } from '../../workflow/planner.js'

export const Attr = Object.freeze({
  workflowId: 'graph_task.workflow.id',
  workflowVersion: 'graph_task.workflow.version',
  workflowTasks: 'graph_task.workflow.tasks',
  executionId: 'graph_task.execution.id',
  executionStatus: 'graph_task.execution.status',
  retryOf: 'graph_task.execution.retry_of',
  tasksSucceeded: 'graph_task.execution.tasks.succeeded',
  tasksFailed: 'graph_task.execution.tasks.failed',
  tasksSkipped: 'graph_task.execution.tasks.skipped',
  taskId: 'graph_task.task.id',
  taskStatus: 'graph_task.task.status',
  attempt: 'graph_task.task.attempt',
  handler: 'graph_task.task.handler',
  queueWait: 'graph_task.task.queue_wait_ms',
  runTime: 'graph_task.task.run_ms',
  retryDelay: 'graph_task.task.retry_delay_ms',
  skipReason: 'graph_task.task.skip_reason',
  threadId: 'thread.id',
  errorType: 'error.type'
})

/** The outcome of a task attempt, or of a task, as the `graph_task.task.status` attribute says it. */
export const enum TaskOutcome { Success, Failed, Retrying, Skipped, Cancelled }
const kOutcomes = ['success', 'failed', 'retrying', 'skipped', 'cancelled'] as const
export const kExecutionStatuses = ['success', 'failed', 'cancelled'] as const

export function outcomeName (outcome: TaskOutcome): string {
  return kOutcomes[outcome]
}

type Attributes = Readonly<Record<string, string>>

/** The attribute sets of one plan's measurements, made on first use. */
export class PlanAttributes {
  readonly #plan: Plan
  readonly #tasks: Array<Attributes | undefined>
  readonly #byOutcome: Array<Attributes | undefined>
  readonly #executions: Array<Attributes | undefined> = []

  constructor (plan: Plan) {
    this.#plan = plan
    this.#tasks = new Array(plan.size)
    this.#byOutcome = new Array(plan.size * kOutcomes.length)
  }

  /** Workflow and task. */
  task (i: number): Attributes {
    return this.#tasks[i] ??= Object.freeze({ [Attr.workflowId]: this.#plan.workflow.id, [Attr.taskId]: this.#plan.ids[i] })
  }

  /** Workflow, task and outcome. */
  outcome (i: number, outcome: TaskOutcome): Attributes {
    return this.#byOutcome[outcome * this.#plan.size + i] ??= Object.freeze({ ...this.task(i), [Attr.taskStatus]: kOutcomes[outcome] })
  }

  /** Workflow and execution status. */
  execution (status: string): Attributes {
    const k = kExecutionStatuses.indexOf(status as typeof kExecutionStatuses[number])
    return this.#executions[k] ??= Object.freeze({ [Attr.workflowId]: this.#plan.workflow.id, [Attr.executionStatus]: status })
  }
}

/** One PlanAttributes per plan, for as long as the plan lives. */
export class AttributeCache {
  readonly #plans = new WeakMap<Plan, PlanAttributes>()

  of (plan: Plan): PlanAttributes {
    let attributes = this.#plans.get(plan)
    if (attributes === undefined) this.#plans.set(plan, attributes = new PlanAttributes(plan))
    return attributes
  }
}
