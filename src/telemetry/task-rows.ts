/**
 * Task records of one flush as two columns: which execution (its live state, a
 * TaskSource) and which task. Recording a task is two array pushes; the record
 * itself is made only when storage asks for it (`at`), and a storage in this
 * process may never ask (MemoryStorage keeps the source).
 */
import type { TaskRows, TaskSource } from '../storage/storage.js'
import type { TaskRecord } from '../types.js'

export class TaskRowList implements TaskRows {
  readonly #sources: TaskSource[]
  readonly #indices: number[]

  constructor (sources: TaskSource[] = [], indices: number[] = []) {
    this.#sources = sources
    this.#indices = indices
  }

  get length (): number { return this.#indices.length }

  push (source: TaskSource, i: number): void {
    this.#sources.push(source)
    this.#indices.push(i)
  }

  sourceOf (k: number): TaskSource { return this.#sources[k] }
  indexOf (k: number): number { return this.#indices[k] }

  at (k: number): TaskRecord | undefined {
    return k >= 0 && k < this.#indices.length ? this.#sources[k].taskRecord(this.#indices[k]) : undefined
  }

  * [Symbol.iterator] (): Iterator<TaskRecord> {
    for (let k = 0; k < this.#indices.length; k++) yield this.at(k)!
  }
}
