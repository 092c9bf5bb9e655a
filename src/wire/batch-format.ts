/**
 * The message a worker receives for one batch, and the answer it sends back.
 * Both sides import this file; it holds no main-thread state.
 *
 *   BatchMessage                                         worker
 *   plan key (+ the plan in shared memory) ───────────▶ per task: id, handler, params,
 *                                                        dependency ids (decoded once per plan)
 *   ints: count, base, input length | per task: plan index, attempt
 *         | per dependency: a value or a local position
 *         | per value: offset and length in `bytes`
 *   bytes: execution input, dependency outputs, one buffer
 *   (ints and bytes are written into the slot's shared inbox when they fit, else moved)
 *   packets: outputs holding large buffers (moved)
 *
 * Everything a batch names per task is an integer; strings (task ids, handler
 * URLs) and static inputs cross once per plan and worker, not once per task.
 */
import v8 from 'node:v8'
import type { ErrorCodes, ErrorInfo } from '../errors.js'
import type { Packet } from './values.js'
import type { MapInput } from './elements.js'

export interface BatchMessage {
  slot: number
  executionId: string
  workflowId: string
  /** The execution's trace, root span and W3C trace flags: with a task and an attempt, its span's traceparent. */
  traceId: string
  rootSpanId: string
  traceFlags: number
  /** Key of the plan in the worker's cache. */
  plan: number
  /** The plan as {@link WorkerPlan} bytes, read on a cache miss. */
  planData: SharedArrayBuffer
  /** The execution input, v8-serialised, when it is large: shared, not copied per batch. */
  input: SharedArrayBuffer | null
  /** See {@link BatchInts}; null when they are in the slot's inbox (shared-state.ts). */
  ints: Int32Array | null
  /** The execution input (when small), then the dependency outputs, concatenated; null when in the inbox. */
  bytes: Uint8Array | null
  /**
   * Dependency outputs that hold large typed arrays (moved, not copied), or whose
   * bytes lie in shared memory (referenced, not copied).
   */
  packets: Packet[] | null
  /** The execution keeps its outputs (storeOutputs): large ones are made shared (wire.ts). */
  store: boolean
}

/**
 * Layout of `BatchMessage.ints`:
 * - `[0]` tasks in the batch, `[1]` where the value table starts, `[2]` the byte length of
 *   the execution input at the start of `bytes` (-1 when it comes in `input`, shared),
 *   `[3]` the byte length of `bytes`;
 * - from 4, per task (`perTask` ints): its task in the plan (a mapped task's, for an
 *   instance), its attempt number, its map index (-1 unless an instance), and its slot
 *   in the execution (names its span);
 * - then per task, per dependency in plan order: a value index (>= 0), or
 *   `-(p + 1)` for the output of position `p` of this batch;
 * - from `[1]`, per value: offset and length in `bytes`, (-1, i) for `packets[i]`, or
 *   (kListValue, n) for an array of the n values that follow (a mapped task's outputs).
 */
export const BatchInts = Object.freeze({ count: 0, valuesAt: 1, inputLength: 2, bytesLength: 3, tasksAt: 4, perTask: 4 })

/** The offset of a value table entry that heads a list (see {@link BatchInts}). */
export const kListValue = -2

/** What a worker answers besides the outcomes it published in shared memory; null when nothing. */
export interface BatchAnswer {
  /** Outputs that did not fit the slot's data region, by position. */
  packets: Array<Packet | null> | null
  /** Errors of failed tasks, by position. */
  errors: Array<ErrorInfo | null> | null
  /** Log entries of each position: flat (time, level, message, data) quadruples. */
  logs: Array<unknown[] | null> | null
  /** Elements of the outputs that tasks are mapped over, by position (see elements.ts). */
  maps?: Array<MapInput | null> | null
}

export const enum Outcome { Success = 0, Failed = 1, NotRun = 2 }

/** The parts of a plan a worker needs, sent once through shared memory. */
export interface WorkerPlan {
  ids: string[]
  /** Distinct handler specs, and the one of each task. */
  handlers: string[]
  handlerOf: Int32Array
  /** Static input of each task, v8-serialised, or null. */
  params: Array<Uint8Array | null>
  /**
   * 1 for a task whose large output goes to shared memory even when outputs are not
   * kept: more than one consumer takes it, or a consumer may be retried.
   */
  share: Uint8Array
  depStart: Int32Array
  depList: Int32Array
  /**
   * Per task, the task it is mapped over, or -1. The worker that runs a task others are
   * mapped over (and that is not mapped itself) serialises its elements one by one.
   */
  mapSource: Int32Array
  /**
   * Per task, what its worker does for the cache (`Plan.keyed`): hash its output (and
   * its elements), keep a cached output self-contained and within the storage's limit.
   * Null when no task is cached.
   */
  keyed: Uint8Array | null
}

/** Flags of `WorkerPlan.keyed`: a cached task takes this output (hash it); this task is cached (keep it whole, hash it). */
export const kKeyed = Object.freeze({ taken: 1, cached: 2 })

export function encodeWorkerPlan (plan: WorkerPlan): SharedArrayBuffer {
  const bytes = v8.serialize(plan)
  const shared = new SharedArrayBuffer(bytes.length)
  new Uint8Array(shared).set(bytes)
  return shared
}

export function decodeWorkerPlan (shared: SharedArrayBuffer): WorkerPlan {
  return v8.deserialize(Buffer.from(new Uint8Array(shared))) as WorkerPlan
}

/** What `validate` is sent: handler specs, and where it says which one it is loading. */
export interface ValidateMessage {
  specs: string[]
  /** [0]: 0 until the worker starts, then the index + 1 of the spec it is loading. Shared with the main thread. */
  progress: Int32Array
}

/** A handler that cannot be used, as `validate` answers. */
export interface HandlerProblem {
  handler: string
  code: typeof ErrorCodes.HANDLER_NOT_FOUND | typeof ErrorCodes.HANDLER_NOT_FUNCTION | typeof ErrorCodes.HANDLER_LOAD_FAILED | typeof ErrorCodes.HANDLER_LOAD_TIMEOUT | typeof ErrorCodes.MISSING_DEPENDENCY
  message: string
}
