/**
 * The workflows of the queue scenario, the same in the benchmark's process and in its
 * serving instances: a 10-task layered workflow of no-ops, and the same of 1 ms fixed work.
 */
import type { Workflow } from '../../dist/index.js'
import { layered, toWorkflow } from './graphs.js'
import { NOOP, WORK } from './pool.js'

export const QUEUE_TASKS = 10

export function queueWorkflows (iterations: number): Workflow[] {
  const spec = layered(QUEUE_TASKS, 2)
  return [toWorkflow(spec, NOOP, undefined, 'queue-noop'), toWorkflow(spec, WORK, { iterations }, 'queue-1ms')]
}
