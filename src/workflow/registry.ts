/**
 * Workflows published on one engine: in memory only, registered at start-up.
 * Publishing compiles the plan once and loads every handler module in a worker,
 * so that a missing module or a non-function export fails there, not at the
 * first run.
 */
import { EngineError, ErrorCodes, HandlerError, InvalidOptionsError, NotFoundError } from '../errors.js'
import type { ResolvedRetryPolicy } from '../types.js'
import { isWorkflow, type Workflow } from './builder.js'
import { compilePlan, type Plan } from './planner.js'
import type { HandlerProblem } from '../wire/batch-format.js'

/** Loads handler modules; answers with the problems found. */
type HandlerValidator = (specs: string[]) => Promise<HandlerProblem[]>

/** Readies a plan's cached tasks (their handler files hashed); rejects when they cannot be cached. */
export type PlanPreparer = (plan: Plan) => Promise<void>

export class WorkflowRegistry {
  readonly #workflows = new Map<string, { workflow: Workflow, plan: Plan }>()
  readonly #retry: ResolvedRetryPolicy
  readonly #validate: HandlerValidator
  readonly #prepare: PlanPreparer

  constructor (defaultRetry: ResolvedRetryPolicy, validate: HandlerValidator, prepare: PlanPreparer) {
    this.#retry = defaultRetry
    this.#validate = validate
    this.#prepare = prepare
  }

  /**
   * @throws {HandlerError} HANDLER_NOT_FOUND or HANDLER_NOT_FUNCTION
   * @throws {EngineError} WORKFLOW_EXISTS when another definition has the same id and `replace` is not set
   * @returns the compiled plan
   */
  async publish (workflow: Workflow, replace: boolean): Promise<Plan> {
    if (!isWorkflow(workflow)) {
      throw new InvalidOptionsError('publishWorkflow expects a workflow built with createWorkflow(id)...build()')
    }
    const plan = compilePlan(workflow, this.#retry)
    const existing = this.#workflows.get(workflow.id)
    if (existing !== undefined && existing.plan.hash !== plan.hash && !replace) {
      throw new EngineError(ErrorCodes.WORKFLOW_EXISTS,
        `workflow "${workflow.id}" is already published with another definition; pass { replace: true } to replace it`)
    }
    const problems = await this.#validate([...new Set(plan.handlers)])
    if (problems.length > 0) {
      const first = problems[0]
      const tasks = workflow.tasks.filter(t => t.handler === first.handler).map(t => `"${t.id}"`).join(', ')
      throw new HandlerError(first.code, `workflow "${workflow.id}", task ${tasks}: ${first.message}` +
        (problems.length > 1 ? ` (and ${problems.length - 1} more handler problem${problems.length > 2 ? 's' : ''})` : ''))
    }
    await this.#prepare(plan)
    this.#workflows.set(workflow.id, { workflow, plan })
    return plan
  }

  get (id: string): Workflow | undefined {
    return this.#workflows.get(id)?.workflow
  }

  /** The plan of a published workflow, or undefined. */
  planOf (id: string): Plan | undefined {
    return this.#workflows.get(id)?.plan
  }

  list (): Workflow[] {
    return [...this.#workflows.values()].map(w => w.workflow)
  }

  delete (id: string): boolean {
    return this.#workflows.delete(id)
  }

  /** @throws {NotFoundError} WORKFLOW_NOT_FOUND, naming the workflows that are published */
  plan (workflowId: string): Plan {
    const entry = this.#workflows.get(workflowId)
    if (entry === undefined) {
      throw new NotFoundError(ErrorCodes.WORKFLOW_NOT_FOUND,
        `workflow "${workflowId}" is not published on this engine (published: ${[...this.#workflows.keys()].join(', ') || 'none'})`)
    }
    return entry.plan
  }
}
