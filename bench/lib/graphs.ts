/**
 * DAG shapes shared by the scenarios, as plain lists, so that the engine, p-graph
 * and BullMQ are handed exactly the same graph. `layered` wires tasks the way
 * workflows/fanout/workflow.mjs#makeLayered does.
 */
import { PGraph, type DependencyList, type PGraphNodeRecord } from 'p-graph'
import { createWorkflow, type Workflow } from '../../dist/index.js'

export interface GraphSpec {
  name: string
  ids: string[]
  /** deps[i]: ids task i depends on. */
  deps: string[][]
}

/** `total` tasks in layers of `width`; task `tL-j` depends on `j` and `(j + 1) % width` of layer L-1. */
export function layered (total: number, width: number): GraphSpec {
  const ids: string[] = []
  const deps: string[][] = []
  for (let index = 0; index < total; index++) {
    const layer = Math.floor(index / width)
    const j = index % width
    ids.push(`t${layer}-${j}`)
    deps.push(layer === 0 ? [] : [...new Set([j, (j + 1) % width])].map(k => `t${layer - 1}-${k}`))
  }
  return { name: `layered-${total}x${width}`, ids, deps }
}

/** step-0 -> step-1 -> ... -> step-(n-1). */
export function chain (n: number): GraphSpec {
  const ids = Array.from({ length: n }, (_, i) => `step-${i}`)
  return { name: `chain-${n}`, ids, deps: ids.map((_, i) => i === 0 ? [] : [`step-${i - 1}`]) }
}

/** `width` independent tasks and a sink that depends on all of them. */
export function fanIn (width: number): GraphSpec {
  const ids = Array.from({ length: width }, (_, i) => `work-${i}`)
  return { name: `fanin-${width}`, ids: [...ids, 'sink'], deps: [...ids.map(() => []), ids] }
}

/** `n` tasks with no dependencies. */
export function independent (n: number): GraphSpec {
  const ids = Array.from({ length: n }, (_, i) => `t-${i}`)
  return { name: `independent-${n}`, ids, deps: ids.map(() => []) }
}

/** The spec as a graph-task workflow: every task runs `handler` with static input `params`. */
export function toWorkflow (spec: GraphSpec, handler: string | URL, params?: unknown, id = spec.name): Workflow {
  const builder = createWorkflow(id)
  for (let i = 0; i < spec.ids.length; i++) {
    builder.addTask(spec.ids[i], params === undefined
      ? { handler, dependsOn: spec.deps[i] }
      : { handler, dependsOn: spec.deps[i], input: params })
  }
  return builder.build()
}

/** The spec as a p-graph, every node running `run(id)`. */
export function toPGraph (spec: GraphSpec, run: (id: string) => Promise<unknown>): PGraph {
  const nodes: PGraphNodeRecord = {}
  for (const id of spec.ids) nodes[id] = { run: () => run(id) }
  const edges: DependencyList = []
  for (let i = 0; i < spec.ids.length; i++) for (const d of spec.deps[i]) edges.push([d, spec.ids[i]])
  return new PGraph(nodes, edges)
}
