/**
 * Keeps in storage, once per definition hash, the shape of each workflow published
 * here: what a console or a report needs to draw an execution's DAG without the
 * workflow's code. Written off the caller's path: publishing never waits for storage,
 * a shape that could not be written is tried again at the next execution, and
 * `flush()` waits for those still to write.
 */
import type { Logger } from 'pino'
import type { ExecutionStorage } from '../storage/storage.js'
import type { WorkflowShape } from '../types.js'
import type { Plan } from '../workflow/planner.js'

/** The shape of a compiled workflow: its tasks (no code, only handler references) and its stage plan. */
export function shapeOf (plan: Plan): WorkflowShape {
  const { workflow, display } = plan
  return {
    definitionHash: plan.hash,
    workflowId: workflow.id,
    version: workflow.version,
    tasks: workflow.tasks.map(t => {
      const task: WorkflowShape['tasks'][number] = { id: t.id, name: t.name, dependsOn: [...t.dependsOn], handler: t.handler }
      if (t.after !== undefined) task.after = [...t.after]
      if (t.map !== undefined) task.map = t.map
      return task
    }),
    stages: display.stages,
    criticalPath: display.criticalPath
  }
}

export class WorkflowShapes {
  readonly #storage: ExecutionStorage
  readonly #logger: Logger
  readonly #ready: () => Promise<void>
  readonly #pending = new Map<string, WorkflowShape>()
  readonly #written = new Set<string>()
  #writing: Promise<void> | null = null

  /** `ready`: the recorder's storage init, so that a store that is down is reached once, not once per writer. */
  constructor (storage: ExecutionStorage, logger: Logger, ready: () => Promise<void>) {
    this.#storage = storage
    this.#logger = logger
    this.#ready = ready
  }

  /** Shapes waiting to be written. */
  get pending (): number {
    return this.#pending.size
  }

  /** Keeps the shape of a published plan, unless its hash is kept already. */
  keep (plan: Plan): void {
    if (this.#storage.writeWorkflowShape === undefined || this.#written.has(plan.hash) || this.#pending.has(plan.hash)) return
    this.#pending.set(plan.hash, shapeOf(plan))
    void this.write()
  }

  /** Writes the pending shapes; resolves when done or given up for now (never rejects). */
  write (): Promise<void> {
    if (this.#writing === null && this.#pending.size > 0) {
      this.#writing = this.#drain().finally(() => { this.#writing = null })
    }
    return this.#writing ?? Promise.resolve()
  }

  async #drain (): Promise<void> {
    try {
      await this.#ready()
      for (const [hash, shape] of this.#pending) {
        await this.#storage.writeWorkflowShape!(shape)
        this.#pending.delete(hash)
        this.#written.add(hash)
      }
    } catch (err) {
      // Storage's own state is reported by the recorder; the shape is tried again at the next execution.
      this.#logger.debug({ err }, 'workflow shape not written yet')
    }
  }
}
