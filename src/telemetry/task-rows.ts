/**
 * Task records of one flush as columns: which task (an Int32Array of task indices) and
 * which execution (its live state, a TaskSource), the latter as runs, since a batch's
 * successes are one execution's. Recording a batch of tasks is a copy into the index
 * column and at most one run; the record itself is made only when storage asks for it
 * (`at`), and a storage in this process may never ask (MemoryStorage keeps the source).
 */
import type { TaskRows, TaskSource } from '../storage/storage.js'
import type { TaskRecord } from '../types.js'

export class TaskRowList implements TaskRows {
  #indices = new Int32Array(64)
  #length = 0
  // Run r covers rows runEnds[r - 1] (0 for the first) to runEnds[r], all of runSources[r].
  readonly #runSources: TaskSource[] = []
  readonly #runEnds: number[] = []
  // The run sourceOf found last: rows are mostly read in order.
  #run = 0

  get length (): number { return this.#length }

  push (source: TaskSource, i: number): void {
    if (this.#length === this.#indices.length) this.#grow(this.#length + 1)
    this.#indices[this.#length++] = i
    this.#extend(source)
  }

  /** Rows for the first `count` tasks of `tasks`, all of `source`. */
  pushMany (source: TaskSource, tasks: Int32Array, count: number): void {
    if (count === 0) return
    if (this.#length + count > this.#indices.length) this.#grow(this.#length + count)
    this.#indices.set(count === tasks.length ? tasks : tasks.subarray(0, count), this.#length)
    this.#length += count
    this.#extend(source)
  }

  sourceOf (k: number): TaskSource {
    const ends = this.#runEnds
    let r = this.#run
    if (r >= ends.length || k >= ends[r] || (r > 0 && k < ends[r - 1])) {
      // Binary search for the first run that ends past k.
      let lo = 0
      let hi = ends.length - 1
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (ends[mid] > k) hi = mid
        else lo = mid + 1
      }
      r = this.#run = lo
    }
    return this.#runSources[r]
  }

  indexOf (k: number): number { return this.#indices[k] }

  at (k: number): TaskRecord | undefined {
    return k >= 0 && k < this.#length ? this.sourceOf(k).taskRecord(this.#indices[k]) : undefined
  }

  * [Symbol.iterator] (): Iterator<TaskRecord> {
    for (let k = 0; k < this.#length; k++) yield this.at(k)!
  }

  // The rows up to #length are `source`'s: the last run grows, or a new one starts.
  #extend (source: TaskSource): void {
    const last = this.#runSources.length - 1
    if (last >= 0 && this.#runSources[last] === source) {
      this.#runEnds[last] = this.#length
    } else {
      this.#runSources.push(source)
      this.#runEnds.push(this.#length)
    }
  }

  #grow (least: number): void {
    const grown = new Int32Array(Math.max(least, this.#indices.length * 2))
    grown.set(this.#indices.subarray(0, this.#length))
    this.#indices = grown
  }
}
