/**
 * Turns a workflow definition into the indexed form the scheduler runs on, and
 * into the stage plan shown to people.
 *
 * The scheduler does not use stages: a task starts as soon as its own
 * dependencies succeeded. Stages (longest-path levels) and the critical path
 * are for display and estimates, computed once per published workflow.
 */
import { createHash } from 'node:crypto'
import v8 from 'node:v8'
import { ErrorCodes, InvalidOptionsError, WorkflowValidationError } from './errors.js'
import type { ResolvedRetryPolicy } from './types.js'
import type { Workflow } from './builder.js'
import { resolveRetryPolicy } from './backoff.js'
import { encode, type Packet } from './wire.js'

/** The stage plan of a workflow, for display. */
export interface ExecutionPlan {
  workflowId: string
  /** Tasks grouped by longest distance from a root; tasks of one stage are independent. */
  stages: string[][]
  /** The longest chain of dependent tasks. */
  criticalPath: string[]
  /** Size of the widest stage. */
  maxParallelism: number
  totalTasks: number
}

/** The indexed form of a workflow; internal. */
export interface Plan {
  readonly workflow: Workflow
  readonly hash: string
  readonly size: number
  readonly ids: readonly string[]
  readonly index: ReadonlyMap<string, number>
  readonly handlers: readonly string[]
  readonly deps: readonly Int32Array[]
  readonly dependents: readonly Int32Array[]
  /** 0 for no timeout. */
  readonly timeouts: Float64Array
  readonly retry: readonly ResolvedRetryPolicy[]
  readonly params: ReadonlyArray<Packet | null>
  readonly roots: Int32Array
  /**
   * For task i, the dependent that can run right after it in the same worker
   * message: its only dependency is i, and neither has a timeout. -1 otherwise.
   */
  readonly chainNext: Int32Array
  readonly display: ExecutionPlan
}

/**
 * Checks references and acyclicity.
 * @throws {WorkflowValidationError}
 */
export function validateDefinition (workflow: Workflow): void {
  const { id, tasks } = workflow
  if (tasks.length === 0) {
    throw new WorkflowValidationError(ErrorCodes.EMPTY_WORKFLOW, `workflow "${id}" has no tasks`)
  }
  const known = new Set(tasks.map(t => t.id))
  for (const task of tasks) {
    for (const dep of task.dependsOn) {
      if (!known.has(dep)) {
        throw new WorkflowValidationError(ErrorCodes.UNKNOWN_DEPENDENCY,
          `workflow "${id}": task "${task.id}" depends on unknown task "${dep}"`)
      }
      if (dep === task.id) {
        throw new WorkflowValidationError(ErrorCodes.CYCLE,
          `workflow "${id}": task "${task.id}" depends on itself`, [task.id, task.id])
      }
    }
  }
  const order = topologicalOrder(tasks.map(t => t.dependsOn), tasks.map(t => t.id))
  if (order.cycle !== null) {
    throw new WorkflowValidationError(ErrorCodes.CYCLE,
      `workflow "${id}" has a cycle: ${order.cycle.join(' -> ')}`, order.cycle)
  }
}

interface Order { order: number[], cycle: string[] | null }

// Kahn's algorithm; when nodes remain, walk dependencies among them until one repeats.
function topologicalOrder (dependsOn: ReadonlyArray<readonly string[]>, ids: readonly string[]): Order {
  const n = ids.length
  const index = new Map<string, number>()
  for (let i = 0; i < n; i++) index.set(ids[i], i)
  const remaining = new Int32Array(n)
  const dependents: number[][] = Array.from({ length: n }, () => [])
  for (let i = 0; i < n; i++) {
    remaining[i] = dependsOn[i].length
    for (const dep of dependsOn[i]) dependents[index.get(dep)!].push(i)
  }
  const order: number[] = []
  for (let i = 0; i < n; i++) if (remaining[i] === 0) order.push(i)
  for (let head = 0; head < order.length; head++) {
    for (const j of dependents[order[head]]) if (--remaining[j] === 0) order.push(j)
  }
  if (order.length === n) return { order, cycle: null }
  // Every node left has a dependency that is also left; follow them to a repeat.
  let node = remaining.findIndex(r => r > 0)
  const seen = new Map<number, number>()
  const path: number[] = []
  while (!seen.has(node)) {
    seen.set(node, path.length)
    path.push(node)
    node = index.get(dependsOn[node].find(d => remaining[index.get(d)!] > 0)!)!
  }
  // path runs against the edges (task -> its dependency); print it in execution order.
  const loop = path.slice(seen.get(node)).reverse()
  const cycle = loop.map(i => ids[i])
  cycle.push(cycle[0])
  return { order, cycle }
}

/** A stable hash of everything that decides what an execution does. */
function definitionHash (workflow: Workflow, params: ReadonlyArray<Packet | null>): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify([workflow.id, workflow.version]))
  for (let i = 0; i < workflow.tasks.length; i++) {
    const t = workflow.tasks[i]
    hash.update(JSON.stringify([t.id, t.handler, [...t.dependsOn].sort(), t.timeout ?? null, t.retry ?? null]))
    const p = params[i]
    if (p !== null) hash.update(p.bytes)
  }
  return hash.digest('hex')
}

/**
 * Compiles a validated workflow.
 * @throws {InvalidOptionsError} when a task's static input cannot be serialised
 */
export function compilePlan (workflow: Workflow, defaultRetry: ResolvedRetryPolicy): Plan {
  const { tasks } = workflow
  const n = tasks.length
  const ids = tasks.map(t => t.id)
  const index = new Map<string, number>()
  for (let i = 0; i < n; i++) index.set(ids[i], i)
  const deps = tasks.map(t => Int32Array.from(t.dependsOn, d => index.get(d)!))
  const dependentLists: number[][] = Array.from({ length: n }, () => [])
  for (let i = 0; i < n; i++) for (const d of deps[i]) dependentLists[d].push(i)
  const dependents = dependentLists.map(l => Int32Array.from(l))
  const timeouts = Float64Array.from(tasks, t => t.timeout ?? 0)
  const params = tasks.map(t => {
    if (t.input === undefined) return null
    try {
      // Static inputs travel as self-contained bytes: they go to every attempt.
      return { bytes: v8.serialize(t.input), oob: null }
    } catch (err) {
      throw new InvalidOptionsError(`task "${t.id}": input cannot be serialised: ${(err as Error).message}`)
    }
  })
  const chainNext = new Int32Array(n).fill(-1)
  for (let i = 0; i < n; i++) {
    if (timeouts[i] !== 0) continue
    for (const j of dependents[i]) {
      if (deps[j].length === 1 && timeouts[j] === 0) { chainNext[i] = j; break }
    }
  }
  const roots = Int32Array.from(deps.flatMap((d, i) => d.length === 0 ? [i] : []))
  return {
    workflow,
    hash: definitionHash(workflow, params),
    size: n,
    ids,
    index,
    handlers: tasks.map(t => t.handler),
    deps,
    dependents,
    timeouts,
    retry: tasks.map(t => resolveRetryPolicy(defaultRetry, t.retry)),
    params,
    roots,
    chainNext,
    display: stagePlan(workflow.id, ids, deps)
  }
}

function stagePlan (workflowId: string, ids: readonly string[], deps: readonly Int32Array[]): ExecutionPlan {
  const n = ids.length
  const order = topologicalOrder(deps.map(d => Array.from(d, i => ids[i])), ids).order
  const level = new Int32Array(n)
  const via = new Int32Array(n).fill(-1)
  for (const i of order) {
    for (const d of deps[i]) {
      if (level[d] + 1 > level[i]) { level[i] = level[d] + 1; via[i] = d }
    }
  }
  const stages: string[][] = []
  for (const i of order) (stages[level[i]] ??= []).push(ids[i])
  let end = 0
  for (let i = 1; i < n; i++) if (level[i] > level[end]) end = i
  const criticalPath: string[] = []
  for (let i = end; i !== -1; i = via[i]) criticalPath.push(ids[i])
  criticalPath.reverse()
  return {
    workflowId,
    stages,
    criticalPath,
    maxParallelism: stages.reduce((m, s) => Math.max(m, s.length), 0),
    totalTasks: n
  }
}
