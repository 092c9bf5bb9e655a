/**
 * What MemoryStorage holds of one execution: its record, its tasks' records, its
 * log lines and spans. Rows the engine hands over as lists to make (TaskRows,
 * SpanRows) are kept as they came, a reference and an index each, and made into
 * records only when read: in the same process, keeping the engine's state costs
 * less than copying it into an object per task.
 */
import type { SpanRows, TaskSource } from './storage.js'
import type { StoredExecution, LogEntry, SpanRecord, TaskRecord } from '../types.js'

export class MemoryEntry {
  /** Undefined while only the execution's tasks, logs or spans have arrived. */
  record: StoredExecution | undefined = undefined
  readonly logs: LogEntry[] = []
  // Task records given as objects, by task id.
  #tasks: Map<string, TaskRecord> | null = null
  // Task records given by the engine: its live state, and which tasks it wrote.
  #source: TaskSource | null = null
  #written: Uint8Array | null = null
  // Spans given as objects, and spans given as rows of a list (the list, the row).
  #spans: SpanRecord[] | null = null
  #spanLists: SpanRows[] | null = null
  #spanRows: number[] | null = null

  putTask (record: TaskRecord): void {
    (this.#tasks ??= new Map()).set(taskKey(record), record)
  }

  /** Task i of `source` was written: its record is read from the source when asked. */
  putTaskOf (source: TaskSource, i: number): void {
    if (this.#source !== source) {
      // Another source for the same execution (not the engine's way): keep what the
      // previous one wrote as records, so that nothing written is lost.
      if (this.#source !== null) {
        for (let t = 0; t < this.#written!.length; t++) if (this.#written![t] === 1) this.putTask(this.#source.taskRecord(t))
      }
      this.#source = source
      this.#written = new Uint8Array(source.taskCount)
    }
    if (i >= this.#written!.length) {
      // The source grew (a map expanded) since its first write.
      const written = new Uint8Array(Math.max(source.taskCount, i + 1))
      written.set(this.#written!)
      this.#written = written
    }
    this.#written![i] = 1
  }

  putSpan (span: SpanRecord): void {
    (this.#spans ??= []).push(span)
  }

  putSpanRow (list: SpanRows, k: number): void {
    (this.#spanLists ??= []).push(list)
    ;(this.#spanRows ??= []).push(k)
  }

  /** Its tasks' records: those given as records, then those read from the engine's state, in task order. */
  tasks (): TaskRecord[] {
    const out: TaskRecord[] = []
    const source = this.#source
    const written = this.#written
    const fromSource = new Set<string>()
    if (source !== null && written !== null) {
      for (let i = 0; i < written.length; i++) {
        if (written[i] === 0) continue
        const record = source.taskRecord(i)
        fromSource.add(taskKey(record))
        out.push(record)
      }
    }
    if (this.#tasks !== null) for (const [key, r] of this.#tasks) if (!fromSource.has(key)) out.push(r)
    return out
  }

  /** Its spans, ordered by start time. */
  spans (): SpanRecord[] {
    const out: SpanRecord[] = this.#spans === null ? [] : [...this.#spans]
    if (this.#spanLists !== null) {
      for (let j = 0; j < this.#spanLists.length; j++) out.push(this.#spanLists[j].at(this.#spanRows![j])!)
    }
    return out.sort((a, b) => a.startTime - b.startTime)
  }
}

// A task's record is one per task id, and per index for the instances of a mapped task.
function taskKey (record: TaskRecord): string {
  return record.mapIndex === undefined ? record.taskId : `${record.taskId}[${record.mapIndex}]`
}
