/**
 * Task records of one flush as columns: which task (an Int32Array of task indices) and
 * which execution (its live state, a TaskSource), the latter as runs, since a batch's
 * successes are one execution's. Recording a batch of tasks is a copy into the index
 * column and at most one run; the record itself is made only when storage asks for it
 * (`at`), and a storage in this process may never ask (MemoryStorage keeps the source).
 */
import type { TaskRows, TaskSource } from '../storage/storage.js'
import type { TaskRecord } from '../types.js'
import { Runs } from './runs.js'

export class TaskRowList implements TaskRows {
  #indices = new Int32Array(64)
  #length = 0
  readonly #sources = new Runs<TaskSource>()

  get length (): number { return this.#length }

  push (source: TaskSource, i: number): void {
    if (this.#length === this.#indices.length) this.#grow(this.#length + 1)
    this.#indices[this.#length++] = i
    this.#sources.extend(source, this.#length)
  }

  /** Rows for the first `count` tasks of `tasks`, all of `source`. */
  pushMany (source: TaskSource, tasks: Int32Array, count: number): void {
    if (count === 0) return
    if (this.#length + count > this.#indices.length) this.#grow(this.#length + count)
    this.#indices.set(count === tasks.length ? tasks : tasks.subarray(0, count), this.#length)
    this.#length += count
    this.#sources.extend(source, this.#length)
  }

  sourceOf (k: number): TaskSource { return this.#sources.at(k) }

  indexOf (k: number): number { return this.#indices[k] }

  at (k: number): TaskRecord | undefined {
    return k >= 0 && k < this.#length ? this.sourceOf(k).taskRecord(this.#indices[k]) : undefined
  }

  * [Symbol.iterator] (): Iterator<TaskRecord> {
    for (let k = 0; k < this.#length; k++) yield this.at(k)!
  }

  #grow (least: number): void {
    const grown = new Int32Array(Math.max(least, this.#indices.length * 2))
    grown.set(this.#indices.subarray(0, this.#length))
    this.#indices = grown
  }
}
