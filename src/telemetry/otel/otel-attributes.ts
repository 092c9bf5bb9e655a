/**
 * Per plan, the attribute sets of its
 * metrics (made once per task and status: recording allocates nothing) and its
 * task counts by outcome, which the counters report when the reader collects.
 */
import type { Plan } from '../../workflow/planner.js'
import { Attr } from '../span-attributes.js'

export { Attr } from '../span-attributes.js'


/** The outcome of a task attempt, or of a task, as the `graph_task.task.status` attribute says it. */
export const enum TaskOutcome { Success, Failed, Retrying, Skipped, Cancelled }
const kOutcomes = ['success', 'failed', 'retrying', 'skipped', 'cancelled'] as const
export const kExecutionStatuses = ['success', 'failed', 'cancelled'] as const

export function outcomeName (outcome: TaskOutcome): string {
  return kOutcomes[outcome]
}

type Attributes = Readonly<Record<string, string>>

/**
 * Beyond this many tasks, a plan's metrics carry its workflow and no task id:
 * metric series are bounded (the SDK's default limit is 2000 per metric), and a
 * generated DAG of thousands of tasks is better read as one workflow.
 */
const kMaxTaskSeries = 256

/**
 * The attribute sets of one plan's measurements, made on first use, and its task
 * counts. A series is a task (or, for a plan of more than kMaxTaskSeries tasks, the
 * whole workflow).
 */
export class PlanAttributes {
  /** Series per outcome: the plan's size, or 1. */
  readonly series: number
  /** Tasks (attempts, for Retrying) by outcome and series: `counts[outcome * series + s]`. */
  readonly counts: Float64Array
  readonly #plan: Plan
  readonly #perTask: boolean
  readonly #tasks: Array<Attributes | undefined>
  readonly #byOutcome: Array<Attributes | undefined>
  readonly #executions: Array<Attributes | undefined> = []

  constructor (plan: Plan) {
    this.#plan = plan
    this.#perTask = plan.size <= kMaxTaskSeries
    this.series = this.#perTask ? plan.size : 1
    this.#tasks = new Array(this.series)
    this.#byOutcome = new Array(this.series * kOutcomes.length)
    this.counts = new Float64Array(this.series * kOutcomes.length)
  }

  /** Counts one task (or attempt) of task `i` with `outcome`. */
  count (i: number, outcome: TaskOutcome): void {
    this.counts[outcome * this.series + (this.#perTask ? i : 0)]++
  }

  /** Workflow and task. */
  task (i: number): Attributes {
    const s = this.#perTask ? i : 0
    const made = this.#tasks[s]
    if (made !== undefined) return made
    const attributes: Record<string, string> = { [Attr.workflowId]: this.#plan.workflow.id }
    if (this.#perTask) attributes[Attr.taskId] = this.#plan.ids[i]
    return (this.#tasks[s] = Object.freeze(attributes))
  }

  /** Workflow, task and outcome. */
  outcome (i: number, outcome: TaskOutcome): Attributes {
    return this.#byOutcome[outcome * this.series + (this.#perTask ? i : 0)] ??= Object.freeze({ ...this.task(i), [Attr.taskStatus]: kOutcomes[outcome] })
  }

  /** Workflow and execution status. */
  execution (status: string): Attributes {
    const k = kExecutionStatuses.indexOf(status as typeof kExecutionStatuses[number])
    return this.#executions[k] ??= Object.freeze({ [Attr.workflowId]: this.#plan.workflow.id, [Attr.executionStatus]: status })
  }
}

/**
 * One PlanAttributes per plan that has run. Kept for the engine's life, replaced
 * workflows' plans too: counters are cumulative, and a count that vanished would
 * read as a counter reset.
 */
export class AttributeCache {
  readonly #plans = new Map<Plan, PlanAttributes>()

  of (plan: Plan): PlanAttributes {
    let attributes = this.#plans.get(plan)
    if (attributes === undefined) this.#plans.set(plan, attributes = new PlanAttributes(plan))
    return attributes
  }

  values (): IterableIterator<PlanAttributes> {
    return this.#plans.values()
  }
}
