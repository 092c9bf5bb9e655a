/**
 * The stage plan of a workflow, for people: tasks grouped by their longest
 * distance from a root, and the critical path. The scheduler does not use it.
 */

/** The stage plan of a workflow, for display. */
export interface ExecutionPlan {
  workflowId: string
  /** The hash of the definition planned: the `definitionHash` its executions are recorded with. */
  definitionHash: string
  /** Tasks grouped by longest distance from a root; tasks of one stage are independent. */
  stages: string[][]
  /** The longest chain of dependent tasks. */
  criticalPath: string[]
  /** Size of the widest stage. */
  maxParallelism: number
  totalTasks: number
  /**
   * The chain with the longest estimated run time, from the run times the engine's
   * workers measured so far (set by `engine.getExecutionPlan`): what critical-path
   * scheduling starts first.
   */
  estimatedCriticalPath?: EstimatedPath
}

/** A chain of tasks and its estimated run time. */
export interface EstimatedPath {
  /** Task ids, first to last. */
  taskIds: string[]
  /** Sum of their estimates, ms (a handler never measured counts as the mean of those measured, or 1 ms). */
  ms: number
  /** Whether every task of it has a measured handler. */
  measured: boolean
}

/** The parts of a checked definition the stage plan reads. */
interface StagedStructure {
  readonly ids: readonly string[]
  readonly depStart: Int32Array
  readonly depList: Int32Array
  /** Kahn's order: every task after all its dependencies. */
  readonly order: Int32Array
}

export function stagePlan (workflowId: string, definitionHash: string, structure: StagedStructure): ExecutionPlan {
  const { ids, depStart, depList, order } = structure
  const n = ids.length
  const level = new Int32Array(n)
  const via = new Int32Array(n).fill(-1)
  const stages: string[][] = []
  for (let o = 0; o < n; o++) {
    // Kahn's order puts every dependency first, so level[d] is final when read.
    const i = order[o]
    for (let k = depStart[i]; k < depStart[i + 1]; k++) {
      const d = depList[k]
      if (level[d] + 1 > level[i]) { level[i] = level[d] + 1; via[i] = d }
    }
    const stage = stages[level[i]]
    if (stage === undefined) stages.push([ids[i]])
    else stage.push(ids[i])
  }
  let end = 0
  for (let i = 1; i < n; i++) if (level[i] > level[end]) end = i
  const criticalPath: string[] = []
  for (let i = end; i !== -1; i = via[i]) criticalPath.push(ids[i])
  criticalPath.reverse()
  let maxParallelism = 0
  for (const stage of stages) if (stage.length > maxParallelism) maxParallelism = stage.length
  return { workflowId, definitionHash, stages, criticalPath, maxParallelism, totalTasks: n }
}
