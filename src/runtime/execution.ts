import { ErrorCodes, type ErrorInfo } from '../errors.js'
import type { Plan } from '../workflow/planner.js'
import type { StoredExecution, ExecutionResult, ExecutionStatus, TaskRecord, TaskStatus } from '../types.js'
import type { Packet } from '../wire/values.js'
import { Fifo } from './fifo.js'
import { TaskOutputs } from './task-outputs.js'
import { executionRecordOf, resultOf, taskRecordOf } from './execution-records.js'
import { TaskState } from './task-state.js'
import type { TaskSource } from '../storage/storage.js'
import { MapState, type MapNews } from './map-state.js'
import { mapInputOfBytes, type MapInput } from '../wire/elements.js'
import { ReadyHeap } from './ready-heap.js'
import type { TaskRanks } from './task-ranks.js'

/** Who runs an execution and how, fixed when it starts. */
interface ExecutionContext {
  instanceId: string
  /** Keep output bytes in task records. */
  storeOutputs: boolean
  /** Strict durability: dependents wait for the results they need to be committed. */
  gated: boolean
  /** Start time, epoch ms. */
  now: number
  traceId: string
  rootSpanId: string
  /** W3C trace flags of the execution's trace: 1 when sampled. @default 1 */
  traceFlags?: number
  /** The span the execution was started under (the caller's), if any. */
  parentSpanId?: string
  retryOf?: string
  /** Most instances of one mapped task. @default no limit */
  maxMapSize?: number
  /** Delivery number of a queued execution, carried by its records (0 outside a queue). */
  fence?: number
  /** Orders executions: a higher one's ready tasks are sent first. @default 0 */
  priority?: number
}

const kCacheMiss = 1
const kCacheHit = 2

const kStatusOf: readonly TaskStatus[] = ['pending', 'pending', 'running', 'pending', 'success', 'failed', 'skipped', 'cancelled', 'running']

/**
 * The live state of one execution: what each task is doing, the outputs made so
 * far, and the promise the caller waits on. Per-task state lives in typed arrays
 * (one entry per task, no object per task); it changes only through the
 * transition methods below, which keep the counters that go with it. Other
 * classes read the arrays, never write them.
 *
 * Tasks are slots: the plan's tasks first, then the instances of mapped tasks,
 * added when each is expanded (its count is known once the output it maps over
 * is). The arrays grow then, so readers take them from here each time rather
 * than keep them. `template[s]` is the plan task of slot s (itself for a plan
 * task) and `mapIndex[s]` its index among the instances (-1 for a plan task).
 */
export class Execution implements TaskSource {
  readonly id: string
  readonly plan: Plan
  /** The execution input, v8-serialised. */
  readonly input: Uint8Array
  readonly instanceId: string
  readonly startedAt: number
  readonly traceId: string
  readonly rootSpanId: string
  readonly traceFlags: number
  readonly parentSpanId: string | undefined
  readonly retryOf: string | undefined
  /** Delivery number of a queued execution (0 outside a queue): storage refuses records whose number is below the stored one. */
  readonly fence: number
  /** Orders executions: a higher one's ready tasks are sent first (see Scheduler). */
  readonly priority: number
  #leaseUntil = Infinity
  /** Keep output bytes in task records (history, resume). */
  readonly storeOutputs: boolean
  readonly outputs: TaskOutputs
  #status: ExecutionStatus = 'running'
  #updatedAt: number
  #endedAt = 0
  #error: (ErrorInfo & { taskId?: string, mapIndex?: number }) | undefined

  // Replaced (grown) when a map expands: written only here.
  state: Uint8Array
  /** Dependencies of each task not yet succeeded. */
  remaining: Int32Array
  attempts: Uint16Array
  readyAt: Float64Array
  taskStart: Float64Array
  taskEnd: Float64Array
  template: Int32Array
  mapIndex: Int32Array
  #size: number
  /** Null for a plan without maps. */
  readonly maps: MapState | null
  readonly #maxMapSize: number
  #errors: Map<number, ErrorInfo> | null = null
  #reusedFrom: Map<number, string> | null = null
  // Ready tasks: first in, first out, or ranked (see rankWith): one of the two is set.
  #fifo: Fifo<number> | null = new Fifo<number>()
  #heap: ReadyHeap | null = null
  // Ranked: the rank of each plan task, and what ranks instances.
  #ranks: Float64Array | null = null
  #ranker: TaskRanks | null = null
  // Cached tasks that are ready go here first, until the cache answered (see takeLookup).
  readonly #lookups: Fifo<number> | null
  // Per slot, for a plan with cached tasks: 1 once the cache missed (it runs), 2 for a hit.
  #cacheState: Uint8Array | null
  // With strict durability: tasks whose dependencies succeeded, waiting for those results to be committed.
  readonly #held: Fifo<number> | null
  #settled = 0
  #succeeded = 0
  #failed = 0
  #skipped = 0
  #running = 0
  readonly done: Promise<ExecutionResult>
  #resolve!: (result: ExecutionResult) => void
  #result: ExecutionResult | null = null

  constructor (id: string, plan: Plan, input: Uint8Array, context: ExecutionContext) {
    const n = plan.size
    this.id = id
    this.plan = plan
    this.input = input
    this.instanceId = context.instanceId
    this.startedAt = context.now
    this.#updatedAt = context.now
    this.traceId = context.traceId
    this.rootSpanId = context.rootSpanId
    this.traceFlags = context.traceFlags ?? 1
    this.parentSpanId = context.parentSpanId
    this.retryOf = context.retryOf
    this.fence = context.fence ?? 0
    this.priority = context.priority ?? 0
    this.storeOutputs = context.storeOutputs
    this.#held = context.gated ? new Fifo<number>() : null
    this.#lookups = plan.cache === null ? null : new Fifo<number>()
    this.#cacheState = plan.cache === null ? null : new Uint8Array(n)
    // The per-task columns in one buffer: one allocation per execution, not eight.
    const buffer = new ArrayBuffer(kColumnBytes * n)
    this.readyAt = new Float64Array(buffer, 0, n)
    this.taskStart = new Float64Array(buffer, 8 * n, n)
    this.taskEnd = new Float64Array(buffer, 16 * n, n)
    this.remaining = new Int32Array(buffer, 24 * n, n)
    this.remaining.set(plan.depCounts)
    this.template = new Int32Array(buffer, 28 * n, n)
    for (let i = 0; i < n; i++) this.template[i] = i
    this.mapIndex = new Int32Array(buffer, 32 * n, n).fill(-1)
    this.attempts = new Uint16Array(buffer, 36 * n, n)
    this.state = new Uint8Array(buffer, 38 * n, n)
    this.#size = n
    this.maps = plan.hasMaps ? new MapState(n) : null
    this.#maxMapSize = context.maxMapSize ?? Infinity
    this.outputs = new TaskOutputs(plan, context.storeOutputs)
    this.done = new Promise(resolve => { this.#resolve = resolve })
  }

  get workflowId (): string { return this.plan.workflow.id }
  get status (): ExecutionStatus { return this.#status }
  get updatedAt (): number { return this.#updatedAt }
  get endedAt (): number { return this.#endedAt }
  get error (): (ErrorInfo & { taskId?: string, mapIndex?: number }) | undefined { return this.#error }
  get settled (): number { return this.#settled }
  get succeeded (): number { return this.#succeeded }
  get failed (): number { return this.#failed }
  get skipped (): number { return this.#skipped }
  get running (): number { return this.#running }
  /** Ready tasks not yet taken. */
  get readyLength (): number { return this.#heap === null ? this.#fifo!.length : this.#heap.length }
  /** Ready cached tasks whose key the cache has not been asked for yet. */
  get lookupLength (): number { return this.#lookups?.length ?? 0 }
  /** Tasks held until the results they depend on are committed (strict durability). */
  get heldLength (): number { return this.#held?.length ?? 0 }
  /** Task slots: the plan's tasks and the instances of the maps expanded so far. */
  get size (): number { return this.#size }
  /** Every task has a final state. */
  get complete (): boolean { return this.#settled === this.#size }
  /** The result, once finished. */
  get result (): ExecutionResult | null { return this.#result }

  taskStatus (i: number): TaskStatus { return kStatusOf[this.state[i]] }
  errorOf (i: number): ErrorInfo | null { return this.#errors?.get(i) ?? null }
  reusedFromOf (i: number): string | undefined { return this.#reusedFrom?.get(i) }
  /** Whether task i took its output from the cache. */
  isCached (i: number): boolean { return this.#cacheState !== null && this.#cacheState[i] === kCacheHit }

  /**
   * Ready tasks go out best first from now on: by cumulative priority, then rank (see
   * TaskRanks), then declared order. Called before any task is ready.
   */
  rankWith (ranker: TaskRanks): void {
    this.#ranker = ranker
    this.#ranks = ranker.ranksOf(this.plan)
    this.#heap = new ReadyHeap()
    this.#fifo = null
  }

  /** The rank the ready heap gives slot i (0 when not ranked). */
  rankOf (i: number): number {
    const ranks = this.#ranks
    if (ranks === null) return 0
    const t = this.template[i]
    return t === i ? ranks[i] : this.#ranker!.instanceRank(this.plan, ranks, t, this.mapIndex[i])
  }

  #ready (i: number): void {
    const heap = this.#heap
    if (heap === null) {
      this.#fifo!.push(i)
      return
    }
    const priorities = this.plan.priorities
    heap.push(i, priorities === null ? 0 : priorities[this.template[i]], this.rankOf(i))
  }

  // --- transitions -------------------------------------------------------------------

  /** Pending (dependencies done) to Ready. */
  markReady (i: number, at: number): void {
    this.state[i] = TaskState.Ready
    this.readyAt[i] = at
    this.#pushReady(i)
  }

  // A cached task asks the cache first; once it missed (it runs), it is ready as any other.
  // Returns whether it is ready now (not waiting for the cache).
  #pushReady (i: number): boolean {
    if (this.#lookups !== null && this.#cacheState![i] === 0 && this.plan.cache![this.template[i]] !== null) {
      this.#lookups.push(i)
      return false
    }
    this.#ready(i)
    return true
  }

  /** The next ready cached task to look up, or -1. */
  takeLookup (): number { return this.#lookups?.shift() ?? -1 }

  /** The cache has no result for ready task i: it runs. */
  lookedUp (i: number): void {
    this.#cacheState![i] = kCacheMiss
    this.#ready(i)
  }

  /**
   * Ready task i takes its output from the cache (`bytes`, self-contained) at `at`: it
   * succeeds without running (no attempt), and its dependents are released as after a run.
   */
  cacheHit (i: number, bytes: Uint8Array, at: number): void {
    this.state[i] = TaskState.Success
    this.#cacheState![i] = kCacheHit
    this.outputs.set(i, bytes, 0, bytes.length)
    this.taskStart[i] = this.taskEnd[i] = at
    this.#succeeded++
    this.#settled++
    if (at > this.#updatedAt) this.#updatedAt = at
    this.#released(i, at, this.#held !== null)
  }

  /** Marks ready every pending task whose dependencies are done (a start or a resume), expanding maps. */
  readyRoots (at: number): void {
    const { mapSource } = this.plan
    for (let i = 0; i < this.plan.size; i++) {
      if (this.state[i] !== TaskState.Pending || this.remaining[i] !== 0) continue
      if (mapSource[i] === -1) this.markReady(i, at)
      else this.#expand(i, at, false)
    }
  }

  /** The first `count` held tasks become ready (the results they wait for are committed): returns how many. */
  releaseHeld (count: number): number {
    let released = 0
    for (let c = 0; c < count; c++) {
      const i = this.#held!.shift()
      if (i === undefined) break
      if (this.state[i] !== TaskState.Ready) continue
      if (this.#pushReady(i)) released++
    }
    return released
  }

  /** The next ready task (the oldest, or the best ranked), or -1. */
  peekReady (): number { return this.#heap === null ? this.#fifo!.peek() ?? -1 : this.#heap.peek() }
  takeReady (): number { return this.#heap === null ? this.#fifo!.shift() ?? -1 : this.#heap.pop() }

  /** A task is sent to a worker: its attempt begins. */
  dispatch (i: number): void {
    this.state[i] = TaskState.InFlight
    this.#running++
    this.attempts[i]++
  }

  /**
   * A task succeeded with the output at `buf` (see TaskOutputs). Its dependents whose
   * dependencies are now all done become ready; with strict durability they are held
   * instead (see releaseHeld). The scheduler counts what changed from `readyLength`.
   */
  succeed (i: number, start: number, end: number, buf: Uint8Array | Packet | null, offset: number, length: number): void {
    this.state[i] = TaskState.Success
    this.outputs.set(i, buf, offset, length)
    this.#errors?.delete(i)
    this.taskStart[i] = start
    this.taskEnd[i] = end
    this.#succeeded++
    this.#settled++
    this.#running--
    if (end > this.#updatedAt) this.#updatedAt = end
    this.#released(i, end, this.#held !== null)
  }

  // Slot s succeeded: its dependents have one dependency less. An instance's dependents
  // are the same instance of the tasks mapped over its task (element by element); a
  // mapped task's are the others, which take all its outputs.
  #released (s: number, at: number, hold: boolean): void {
    const { dependentStart, dependentList, mapSource } = this.plan
    const t = this.template[s]
    if (t === s) {
      const mapped = mapSource[s] !== -1
      for (let d = dependentStart[s]; d < dependentStart[s + 1]; d++) {
        const j = dependentList[d]
        // Satisfied when this task expanded (see #expand).
        if (mapped && mapSource[j] === s) continue
        this.#depDone(j, at, hold)
      }
      return
    }
    const maps = this.maps!
    const m = this.mapIndex[s]
    for (let d = dependentStart[t]; d < dependentStart[t + 1]; d++) {
      const j = dependentList[d]
      if (mapSource[j] !== t || maps.first[j] === -1) continue
      this.#depDone(maps.first[j] + m, at, hold)
    }
    this.#instanceFinal(t, at, hold)
  }

  // One dependency of slot j succeeded. `hold`: with strict durability, it waits for
  // the result to be committed (released by releaseHeld), unless it is ready at start.
  #depDone (j: number, at: number, hold: boolean): void {
    if (--this.remaining[j] !== 0) return
    const state = this.state[j]
    if (state === TaskState.Pending) {
      if (j < this.plan.size && this.plan.mapSource[j] !== -1) this.#expand(j, at, hold)
      else this.#readyOrHold(j, at, hold)
    } else if (state === TaskState.InFlight) this.readyAt[j] = at
  }

  #readyOrHold (j: number, at: number, hold: boolean): void {
    if (!hold) {
      this.markReady(j, at)
      return
    }
    this.state[j] = TaskState.Ready
    this.readyAt[j] = at
    this.#held!.push(j)
  }

  /**
   * A mapped task whose dependencies are done gets one instance per element of its
   * source's output (or of its source's instances, when that is mapped too: instance
   * i then waits for instance i only). Its own slot stays `Mapped` until the last
   * instance is final. A source output that is not an array, or too long, fails it.
   */
  #expand (t: number, at: number, hold: boolean): void {
    const maps = this.maps!
    const { plan } = this
    const source = plan.mapSource[t]
    const elementWise = plan.mapSource[source] !== -1
    let count: number
    if (elementWise) {
      count = maps.count[source]
    } else {
      // Made by the worker that produced the output; on a resume, from the stored bytes.
      const input = maps.inputs[source] ??= mapInputOfBytes(this.outputs.bytes(source))
      if ('notArray' in input) {
        this.#failUnrun(t, at, ErrorCodes.MAP_INPUT_NOT_ARRAY,
          `task "${plan.ids[t]}" is mapped over the output of "${plan.ids[source]}", which must be an array; got ${input.notArray}`)
        return
      }
      count = input.ends.length
    }
    if (count > this.#maxMapSize) {
      this.#failUnrun(t, at, ErrorCodes.MAP_TOO_LARGE,
        `task "${plan.ids[t]}" is mapped over ${count} elements of "${plan.ids[source]}"; maxMapSize is ${this.#maxMapSize}`)
      return
    }
    this.state[t] = TaskState.Mapped
    this.readyAt[t] = at
    const first = this.#size
    this.#grow(first + count)
    this.#size += count
    maps.first[t] = first
    maps.count[t] = count
    maps.open[t] = count
    const sourceFirst = elementWise ? maps.first[source] : -1
    for (let m = 0; m < count; m++) {
      const s = first + m
      this.template[s] = t
      this.mapIndex[s] = m
      const reused = maps.reused === null ? undefined : maps.reusedOf(t, m)
      if (reused !== undefined) {
        this.#reuse(s, reused)
        maps.open[t]--
        maps.reusedSlots.push(s)
        continue
      }
      if (elementWise) {
        const before = this.state[sourceFirst + m]
        if (before === TaskState.Failed || before === TaskState.Skipped || before === TaskState.Cancelled) {
          this.#skip(s, this.#dependencyFailed(sourceFirst + m))
          maps.skippedSlots.push(s)
          maps.skipped[t]++
          maps.open[t]--
          continue
        }
        if (before !== TaskState.Success) {
          this.remaining[s] = 1
          continue
        }
      }
      this.#readyOrHold(s, at, hold)
    }
    if (maps.open[t] === 0) this.#settleMapped(t, at, hold)
    // The tasks mapped over this one's instances can expand: their instance i waits for instance i only.
    const { dependentStart, dependentList, mapSource } = plan
    for (let d = dependentStart[t]; d < dependentStart[t + 1]; d++) {
      if (mapSource[dependentList[d]] === t) this.#depDone(dependentList[d], at, hold)
    }
  }

  #instanceFinal (t: number, at: number, hold: boolean): void {
    if (--this.maps!.open[t] === 0) this.#settleMapped(t, at, hold)
  }

  // The last instance of mapped task t is final: t succeeds when every one did, fails
  // when one failed, and is skipped when one was skipped (and none failed).
  #settleMapped (t: number, at: number, hold: boolean): void {
    const maps = this.maps!
    const first = maps.first[t]
    const count = maps.count[t]
    let start = 0
    let end = 0
    let firstFailed = -1
    for (let s = first; s < first + count; s++) {
      if (this.taskStart[s] !== 0 && (start === 0 || this.taskStart[s] < start)) start = this.taskStart[s]
      if (this.taskEnd[s] > end) end = this.taskEnd[s]
      if (firstFailed === -1 && this.state[s] === TaskState.Failed) firstFailed = s
    }
    this.taskStart[t] = start === 0 ? this.readyAt[t] : start
    this.taskEnd[t] = end === 0 ? at : end
    maps.settled.push(t)
    this.#settled++
    if (firstFailed !== -1) {
      const error = this.errorOf(firstFailed)!
      this.state[t] = TaskState.Failed
      this.#failed++
      ;(this.#errors ??= new Map()).set(t, {
        ...error,
        message: `${maps.failed[t]} of ${count} instances failed; instance ${firstFailed - first}: ${error.message}`
      })
      for (const j of this.#skipDependents(t)) maps.skippedSlots.push(j)
    } else if (maps.skipped[t] > 0) {
      this.state[t] = TaskState.Skipped
      this.#skipped++
      ;(this.#errors ??= new Map()).set(t, {
        code: ErrorCodes.DEPENDENCY_FAILED,
        message: `${maps.skipped[t]} of ${count} instances skipped: a dependency failed`
      })
      for (const j of this.#skipDependents(t)) maps.skippedSlots.push(j)
    } else {
      this.state[t] = TaskState.Success
      this.#succeeded++
      this.#released(t, this.taskEnd[t], hold)
    }
  }

  // A mapped task that fails before it has instances: its source's output cannot be mapped.
  #failUnrun (t: number, at: number, code: string, message: string): void {
    ;(this.#errors ??= new Map()).set(t, { code, message, retryable: false })
    this.taskStart[t] = this.taskEnd[t] = at
    const maps = this.maps!
    maps.settled.push(t)
    for (const j of this.fail(t)) maps.skippedSlots.push(j)
  }

  #reuse (s: number, record: TaskRecord): void {
    this.state[s] = TaskState.Success
    this.outputs.set(s, record.output!, 0, record.output!.length)
    ;(this.#reusedFrom ??= new Map()).set(s, record.reusedFrom!)
    if (record.startedAt !== undefined) this.taskStart[s] = record.startedAt
    if (record.endedAt !== undefined) this.taskEnd[s] = record.endedAt
    this.attempts[s] = 0
    this.#succeeded++
    this.#settled++
  }

  #skip (s: number, error: ErrorInfo): void {
    this.state[s] = TaskState.Skipped
    ;(this.#errors ??= new Map()).set(s, error)
    this.#skipped++
    this.#settled++
  }

  #dependencyFailed (failed: number): ErrorInfo {
    const t = this.template[failed]
    const which = t === failed ? '' : `[${this.mapIndex[failed]}]`
    return { code: ErrorCodes.DEPENDENCY_FAILED, message: `dependency "${this.plan.ids[t]}${which}" failed` }
  }

  #grow (size: number): void {
    if (size <= this.state.length) return
    const capacity = Math.max(size, this.state.length * 2)
    this.state = grown(this.state, new Uint8Array(capacity))
    this.remaining = grown(this.remaining, new Int32Array(capacity))
    this.attempts = grown(this.attempts, new Uint16Array(capacity))
    this.readyAt = grown(this.readyAt, new Float64Array(capacity))
    this.taskStart = grown(this.taskStart, new Float64Array(capacity))
    this.taskEnd = grown(this.taskEnd, new Float64Array(capacity))
    this.template = grown(this.template, new Int32Array(capacity))
    this.mapIndex = grown(this.mapIndex, new Int32Array(capacity))
    if (this.#cacheState !== null) this.#cacheState = grown(this.#cacheState, new Uint8Array(capacity))
    this.outputs.grow(capacity)
  }

  /** The elements of task i's output (or why it has none), for the tasks mapped over it: set before it succeeds. */
  setMapInput (i: number, input: MapInput): void {
    this.maps!.inputs[i] = input
  }

  /** What changed in the maps since the last call (for events, spans and records), or null. */
  takeMapNews (): MapNews | null {
    const maps = this.maps
    if (maps === null || (maps.settled.length === 0 && maps.reusedSlots.length === 0 && maps.skippedSlots.length === 0)) return null
    const news = { settled: maps.settled, reused: maps.reusedSlots, skipped: maps.skippedSlots }
    maps.settled = []
    maps.reusedSlots = []
    maps.skippedSlots = []
    return news
  }

  /** An attempt failed (or was stopped): its times and error, before the retry decision. */
  attemptFailed (i: number, start: number, end: number, error: ErrorInfo): void {
    this.#running--
    this.taskStart[i] = start
    this.taskEnd[i] = end
    ;(this.#errors ??= new Map()).set(i, error)
    if (end > this.#updatedAt) this.#updatedAt = end
  }

  /** The failed attempt is retried later. */
  waitRetry (i: number): void {
    this.state[i] = TaskState.RetryWait
  }

  /**
   * The task failed for good: the execution fails, and every task that depends on
   * it, transitively, is skipped. Returns the skipped tasks.
   */
  fail (i: number): number[] {
    this.state[i] = TaskState.Failed
    this.#failed++
    this.#settled++
    const t = this.template[i]
    this.#error ??= t === i ? { ...this.errorOf(i)!, taskId: this.plan.ids[t] } : { ...this.errorOf(i)!, taskId: this.plan.ids[t], mapIndex: this.mapIndex[i] }
    const skipped = this.#skipDependents(i)
    if (t !== i) {
      this.maps!.failed[t]++
      this.#instanceFinal(t, this.#updatedAt, this.#held !== null)
    }
    return skipped
  }

  /**
   * A task of a batch that did not run: ready again if its dependencies allow,
   * pending otherwise; skipped with its dependents when one failed (they are added
   * to `skipped`).
   */
  requeue (i: number, at: number, attemptCounts: boolean, skipped: number[]): void {
    this.#running--
    if (!attemptCounts) this.attempts[i]--
    const t = this.template[i]
    if (t !== i) {
      // An instance's only dependency that can have failed is the instance it is mapped over.
      const source = this.plan.mapSource[t]
      const from = this.plan.mapSource[source] === -1 ? -1 : this.maps!.first[source] + this.mapIndex[i]
      if (from !== -1 && this.state[from] === TaskState.Failed) {
        this.state[i] = TaskState.Pending
        skipped.push(...this.#skipDependents(from))
        return
      }
    } else {
      const deps = this.plan.deps[i]
      for (let d = 0; d < deps.length; d++) {
        if (this.state[deps[d]] === TaskState.Failed) {
          this.state[i] = TaskState.Pending
          skipped.push(...this.#skipDependents(deps[d]))
          return
        }
      }
    }
    if (this.remaining[i] === 0) {
      this.markReady(i, at)
      return
    }
    this.state[i] = TaskState.Pending
  }

  // Dependents of a failed task can never run: skipped, transitively. Those of an
  // instance are the same instance of the tasks mapped over its task; a skipped
  // instance may be the last of its mapped task, which then settles.
  #skipDependents (failed: number): number[] {
    const { plan } = this
    const { dependentStart, dependentList, mapSource } = plan
    const skipped: number[] = []
    const stack = [failed]
    const error = this.#dependencyFailed(failed)
    while (stack.length > 0) {
      const x = stack.pop()!
      const t = this.template[x]
      for (let d = dependentStart[t]; d < dependentStart[t + 1]; d++) {
        let j = dependentList[d]
        if (x !== t) {
          if (mapSource[j] !== t || this.maps!.first[j] === -1) continue
          j = this.maps!.first[j] + this.mapIndex[x]
        } else if (mapSource[j] === t && mapSource[t] !== -1 && this.maps!.first[j] !== -1) {
          // Expanded over this task's instances: each of its instances settles on its own.
          continue
        }
        if (this.state[j] !== TaskState.Pending) continue
        this.#skip(j, error)
        skipped.push(j)
        stack.push(j)
        if (j >= plan.size) {
          const owner = this.template[j]
          this.maps!.skipped[owner]++
          this.#instanceFinal(owner, this.#updatedAt, false)
        }
      }
    }
    return skipped
  }

  /**
   * Ends a running execution early (cancellation, timeout): every task without a
   * final state is cancelled. Returns those tasks.
   */
  stop (code: string, message: string, at: number): number[] {
    this.#status = code === ErrorCodes.EXECUTION_TIMEOUT || code === ErrorCodes.EXECUTION_REDELIVERY_LIMIT ? 'failed' : 'cancelled'
    const error = { code, message }
    this.#error = error
    this.#fifo?.clear()
    this.#heap?.clear()
    this.#held?.clear()
    this.#lookups?.clear()
    const cancelled: number[] = []
    for (let i = 0; i < this.#size; i++) {
      const s = this.state[i]
      if (s === TaskState.Success || s === TaskState.Failed || s === TaskState.Skipped) continue
      this.state[i] = TaskState.Cancelled
      ;(this.#errors ??= new Map()).set(i, error)
      if (s === TaskState.InFlight) this.taskEnd[i] = at
      this.#settled++
      cancelled.push(i)
    }
    this.#running = 0
    this.#updatedAt = at
    return cancelled
  }

  /** A stopped attempt's start, for its span. */
  setStart (i: number, start: number): void {
    this.taskStart[i] = start
  }

  /** Every task is final: success, or failed when one failed. */
  conclude (): void {
    this.#status = this.#failed > 0 ? 'failed' : 'success'
  }

  /**
   * Records the end and, unless `deliver` is false, resolves the caller's promise with
   * the result (strict durability delivers it once the final record is committed).
   */
  finish (at: number, deliver = true): ExecutionResult {
    this.#endedAt = this.#updatedAt = Math.max(this.#updatedAt, at)
    const result = this.#result = resultOf(this, true)
    if (deliver) this.#resolve(result)
    return result
  }

  /** Resolves the caller's promise with the result of a finished execution. */
  deliver (): void {
    this.#resolve(this.#result!)
  }

  /**
   * Takes the outputs of the tasks that succeeded in an earlier execution (a
   * resume): they count as done here, and their dependents wait only for the rest.
   */
  reuseOutputs (tasks: readonly TaskRecord[], sourceId: string): void {
    const { plan } = this
    for (const task of tasks) {
      const i = plan.index.get(task.taskId)
      if (i === undefined || task.status !== 'success' || task.output === undefined) continue
      if (task.mapIndex !== undefined) {
        // Taken when its mapped task expands; the mapped task itself is made again from them.
        if (plan.mapSource[i] !== -1) this.maps!.keepReused(i, task.reusedFrom === undefined ? { ...task, reusedFrom: sourceId } : task)
        continue
      }
      if (plan.mapSource[i] !== -1 || this.state[i] === TaskState.Success) continue
      this.state[i] = TaskState.Success
      this.outputs.set(i, task.output, 0, task.output.length)
      ;(this.#reusedFrom ??= new Map()).set(i, task.reusedFrom ?? sourceId)
      if (task.startedAt !== undefined) this.taskStart[i] = task.startedAt
      if (task.endedAt !== undefined) this.taskEnd[i] = task.endedAt
      this.#succeeded++
      this.#settled++
      const dependents = plan.dependents[i]
      for (let d = 0; d < dependents.length; d++) this.remaining[dependents[d]]--
    }
  }

  /** The live result: made now, for a running execution. */
  liveResult (): ExecutionResult {
    return this.#result ?? resultOf(this, false)
  }

  // --- TaskSource: storage reads the records of tasks from here -----------------------

  get executionId (): string { return this.id }
  /** Task id of task i (SpanOwner): an instance has its mapped task's id. */
  taskIdOf (i: number): string { return this.plan.ids[this.template[i]] }
  /** Map index of slot i, -1 for a plan task (SpanOwner). */
  mapIndexOf (i: number): number { return this.mapIndex[i] }
  get taskCount (): number { return this.#size }

  /** The record of task i as it stands: what storage keeps. */
  /** Epoch ms past which no task of it may start: the end of the queue lock this instance knows it holds. */
  get leaseUntil (): number {
    return this.#leaseUntil
  }

  /** Moves the end of its lease (a lock renewed, or taken): tasks may start until then. */
  lease (until: number): void {
    this.#leaseUntil = until
  }

  taskRecord (i: number): TaskRecord {
    return taskRecordOf(this, i)
  }

  recordSize (i: number): number {
    const error = this.#errors?.get(i)
    const text = error === undefined ? 0 : 2 * (error.message.length + (error.stack?.length ?? 0))
    return text + (this.storeOutputs ? Math.max(0, this.outputs.len[i]) : 0)
  }

  /** The record storage keeps of this execution, as it stands. */
  record (): StoredExecution {
    return executionRecordOf(this)
  }
}

// Bytes per task of the columns above: three Float64, three Int32, a Uint16 and a Uint8.
const kColumnBytes = 39

function grown<T extends Uint8Array | Uint16Array | Int32Array | Float64Array> (from: T, to: T): T {
  to.set(from)
  return to
}
