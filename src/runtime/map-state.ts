/**
 * What an execution knows about its mapped tasks: where each one's instances are
 * among its task slots, how many are still open, and the elements of the outputs
 * they are mapped over. Owned by Execution, which changes it in its transitions.
 *
 *   slots: | plan tasks 0 .. n-1 | instances of the first map expanded | of the next | ...
 *                                  first[t] ... first[t] + count[t] - 1
 *
 * A mapped task's slot (its "template") never runs: it is expanded when its
 * dependencies allow, and settles when its last instance does.
 */
import type { TaskRecord } from '../types.js'
import type { MapInput } from '../wire/elements.js'

export class MapState {
  /** Slot of instance 0 of each mapped task, -1 until it is expanded. */
  readonly first: Int32Array
  /** Instances of each expanded task. */
  readonly count: Int32Array
  /** Instances not final yet. */
  readonly open: Int32Array
  /** Instances that failed, that were skipped (a dependency failed). */
  readonly failed: Int32Array
  readonly skipped: Int32Array
  /** Elements of the outputs tasks are mapped over, by source task: kept while instances may run (retries too). */
  readonly inputs: Array<MapInput | undefined>
  /** Instances an earlier execution finished, by mapped task and index (a resume). */
  reused: Map<number, Map<number, TaskRecord>> | null = null
  /** Mapped tasks that settled, and instances reused at expansion, since the last `take()`. */
  settled: number[] = []
  reusedSlots: number[] = []
  skippedSlots: number[] = []

  constructor (size: number) {
    this.first = new Int32Array(size).fill(-1)
    this.count = new Int32Array(size)
    this.open = new Int32Array(size)
    this.failed = new Int32Array(size)
    this.skipped = new Int32Array(size)
    this.inputs = new Array(size)
  }

  /** The record of instance `m` of `template` from the execution resumed, if it succeeded there. */
  reusedOf (template: number, m: number): TaskRecord | undefined {
    return this.reused?.get(template)?.get(m)
  }

  keepReused (template: number, record: TaskRecord): void {
    const reused = this.reused ??= new Map()
    let byIndex = reused.get(template)
    if (byIndex === undefined) reused.set(template, byIndex = new Map())
    byIndex.set(record.mapIndex!, record)
  }
}

/** What changed in an execution's maps since the last look: for events, spans and records. */
export interface MapNews {
  /** Mapped tasks that reached a final state. */
  settled: number[]
  /** Instances that took an earlier execution's output at expansion (a resume). */
  reused: number[]
  /** Instances skipped at expansion, their dependency having failed before. */
  skipped: number[]
}
