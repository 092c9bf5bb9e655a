/**
 * The one entry point the Piscina pool runs. It receives a batch of tasks of
 * one execution, loads each handler module by URL (once per worker), runs the
 * tasks in order and publishes each outcome in the slot's shared memory.
 *
 *   main ──{ slot, plan key, ints, bytes }──▶ worker: for each task
 *                                               current[slot] = b; started[slot] = now
 *                                               output = await handler(input, ctx)
 *                                               status, times, output bytes ─▶ slot table
 *   main ◀── null, or { packets, errors, logs } (+ moved buffers)
 *
 * A large output (typed arrays of 64 KiB or more, or as many bytes) that history
 * keeps or several consumers take is serialised here into shared memory, once:
 * the main thread only passes the reference on (see wire.ts).
 *
 * The main thread learns which task of a batch runs, since when, and how each
 * one ended without a message per task: that is what per-attempt timeouts
 * count from, what a crash is blamed on, and what the sweep reports while a
 * long batch still runs. `cancel[slot]` is set by the main thread to abort
 * `ctx.signal` before it terminates the worker.
 */
import { threadId, workerData } from 'node:worker_threads'
import { move, transferableSymbol, valueSymbol } from 'piscina'
import { isShared, UNDEFINED_PACKET, type Packet } from '../wire/values.js'
import { validateHandlers } from './handler-loader.js'
import { fitsData, freeData, kInboxBytes, kInboxInts, publishOutcome, publishWritten, sharedViews, type SharedViews } from '../wire/shared-state.js'
import { BatchInts, decodeWorkerPlan, kListValue, Outcome, type BatchAnswer, type BatchMessage, type HandlerProblem, type ValidateMessage } from '../wire/batch-format.js'
import { RawList, SlotBytes } from './lazy-deps.js'
import { keyOutput } from './output-digest.js'
import { BatchInput, TaskRunner, type RunPlan } from './run-task.js'

interface WorkerOptions { shared: SharedArrayBuffer, slots: number, maxBatch: number, typescript: boolean, maxCachedBytes: number }

const options = workerData as WorkerOptions
const views: SharedViews = sharedViews(options.shared, options.slots, options.maxBatch)
const tasks = new TaskRunner(views, options.typescript)

// Plans this worker has seen, by key. Bounded: a long-lived service may publish and
// replace workflows for ever; a plan evicted here is decoded again from its message.
const plans = new Map<number, RunPlan>()
const kPlanCache = 64

function planOf (message: BatchMessage): RunPlan {
  let plan = plans.get(message.plan)
  if (plan === undefined) {
    const decoded = decodeWorkerPlan(message.planData)
    const mappedOver = new Uint8Array(decoded.ids.length)
    for (let i = 0; i < mappedOver.length; i++) {
      const source = decoded.mapSource[i]
      if (source !== -1 && decoded.mapSource[source] === -1) mappedOver[source] = 1
    }
    plan = { ...decoded, mappedOver, lazy: new Array(decoded.depList.length) }
    if (plans.size >= kPlanCache) plans.delete(plans.keys().next().value!)
    plans.set(message.plan, plan)
  }
  return plan
}

/** Runs a batch; the default export Piscina calls. */
export default async function runBatch (message: BatchMessage): Promise<unknown> {
  const plan = planOf(message)
  const { slot, packets } = message
  const ints = message.ints ?? views.inboxInts.subarray(slot * kInboxInts, (slot + 1) * kInboxInts)
  // Copied out of the inbox once: a dependency that a handler reads late (after its task,
  // when the slot carries another batch) still decodes from this batch's bytes.
  const bytes = message.bytes ?? views.inboxBytes.slice(slot * kInboxBytes, slot * kInboxBytes + ints[BatchInts.bytesLength])
  const count = ints[BatchInts.count]
  const valuesAt = ints[BatchInts.valuesAt]
  views.thread[slot] = threadId
  const inputLength = ints[BatchInts.inputLength]
  const input = message.input === null ? bytes.subarray(0, inputLength) : new Uint8Array(message.input)
  // Outputs that a later task of this batch takes, and the refs that say so.
  const refsAt = BatchInts.tasksAt + BatchInts.perTask * count
  let localUse: Uint8Array | null = null
  for (let r = refsAt; r < valuesAt; r++) {
    if (ints[r] < 0) (localUse ??= new Uint8Array(count))[-ints[r] - 1] = 1
  }
  // What a later task of the batch gets: the packet, or (when localValue[p] is 1) the value
  // itself, a primitive that no handler can change.
  const locals: unknown[] | null = localUse === null ? null : new Array(count).fill(null)
  const localValue = localUse === null ? null : new Uint8Array(count)
  const status = new Uint8Array(count)
  const batchInput = new BatchInput(input)
  let answer: BatchAnswer | null = null
  let transfer: ArrayBuffer[] | null = null
  // Outputs handed to later tasks of the batch where they lie in the slot's data region.
  let lent: SlotBytes[] | null = null
  let ref = refsAt
  for (let b = 0; b < count; b++) {
    const lease = views.lease[slot]
    if (Atomics.load(views.cancel, slot) !== 0 || (lease !== 0 && Date.now() > lease)) {
      // Stopped (cancelled, or timed out) before this task, or the queue lock of its
      // execution may have passed to another instance: the rest of the batch does not run.
      for (let rest = b; rest < count; rest++) publishOutcome(views, slot, rest, Outcome.NotRun, 0, 0, null, false)
      break
    }
    const at = BatchInts.tasksAt + BatchInts.perTask * b
    const index = ints[at]
    const attempt = ints[at + 1]
    const mapIndex = ints[at + 2]
    const first = plan.depStart[index]
    const depCount = plan.depStart[index + 1] - first
    // Per dependency, its value (undefined or a primitive) or what it is decoded from
    // (bytes, a packet, a RawList): ctx.deps is made from it when a handler reads it.
    const deps = depCount === 0 ? null : new Array<unknown>(depCount)
    let runnable = true
    for (let k = first; k < plan.depStart[index + 1]; k++, ref++) {
      const r = ints[ref]
      if (r < 0) {
        // Produced earlier in this batch: a primitive as it is, else decoded from its
        // bytes like any input, so that a consumer changing it in place cannot change
        // what the producer reported or what a sibling reads.
        const p = -r - 1
        if (status[p] !== Outcome.Success) { runnable = false; continue }
        deps![k - first] = localValue![p] === 1 ? locals![p] : locals![p] ?? undefined
      } else if (ints[valuesAt + 2 * r] === kListValue) {
        // A mapped task's outputs, in order: an array made on first read.
        const items = new Array<unknown>(ints[valuesAt + 2 * r + 1])
        for (let v = 0; v < items.length; v++) items[v] = rawValue(ints, valuesAt, r + 1 + v, bytes, packets)
        deps![k - first] = new RawList(items)
      } else {
        deps![k - first] = rawValue(ints, valuesAt, r, bytes, packets)
      }
    }
    if (!runnable) {
      status[b] = Outcome.NotRun
      publishOutcome(views, slot, b, Outcome.NotRun, 0, 0, null, false)
      continue
    }
    Atomics.store(views.current, slot, b)
    const mappedOver = plan.mappedOver[index] === 1
    const keyed = plan.keyed === null ? 0 : plan.keyed[index]
    // An instance's output, and one that tasks are mapped over, has many readers: shared.
    // One a cache key is made of is hashed whole, and a cached one is kept: self-contained.
    const share = message.store || plan.share[index] === 1 || mapIndex !== -1 || mappedOver || keyed !== 0
    const running = tasks.run(message, plan, index, attempt, mapIndex, ints[at + 3], batchInput, deps, share, mappedOver)
    const result = running instanceof Promise ? await running : running
    if (keyed !== 0 && result.status === Outcome.Success) {
      const refused = keyOutput(views, slot, b, keyed, result.output, result.map, options.maxCachedBytes, plan.ids[index])
      if (refused !== null) Object.assign(result, { status: Outcome.Failed, output: null, map: null, error: refused })
    }
    status[b] = result.status
    if (result.logs !== null) ((answer ??= emptyAnswer()).logs ??= new Array(count).fill(null))[b] = result.logs
    if (result.status !== Outcome.Success) {
      ((answer ??= emptyAnswer()).errors ??= new Array(count).fill(null))[b] = result.error
      publishOutcome(views, slot, b, result.status, result.start, result.end, null, false)
      continue
    }
    const packet = result.output
    if (localUse?.[b] === 1) {
      const value = result.value
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
        locals![b] = value
        localValue![b] = 1
      } else if (result.written !== -1) {
        // Read where it was written while the batch runs; moved to one copy of the slot's
        // data when the batch ends (keepLent), since the slot holds the next batch's
        // outputs by the time a handler that kept its ctx.deps reads this one.
        const written = new SlotBytes(views.data, freeData(views, slot), result.written)
        ;(lent ??= []).push(written)
        locals![b] = written
      } else locals![b] = packet
    }
    if (result.written !== -1) {
      publishWritten(views, slot, b, result.start, result.end, result.written)
      continue
    }
    if (result.map !== null) {
      // The elements ride with the output in the answer; their buffers move, not copied.
      ((answer ??= emptyAnswer()).maps ??= new Array(count).fill(null))[b] = result.map
      ;(answer.packets ??= new Array(count).fill(null))[b] = packet ?? UNDEFINED_PACKET
      publishOutcome(views, slot, b, Outcome.Success, result.start, result.end, null, true)
      if ('ends' in result.map) (transfer ??= []).push(result.map.bytes.buffer as ArrayBuffer, result.map.ends.buffer as ArrayBuffer)
      if ('digests' in result.map && result.map.digests !== undefined) transfer!.push(result.map.digests.buffer as ArrayBuffer)
      continue
    }
    if (packet === null) {
      publishOutcome(views, slot, b, Outcome.Success, result.start, result.end, null, false)
      continue
    }
    if (packet.oob === null && !isShared(packet.bytes) && fitsData(views, slot, packet.bytes.length)) {
      publishOutcome(views, slot, b, Outcome.Success, result.start, result.end, packet.bytes, false)
      continue
    }
    ((answer ??= emptyAnswer()).packets ??= new Array(count).fill(null))[b] = packet
    publishOutcome(views, slot, b, Outcome.Success, result.start, result.end, null, true)
    const oob = packet.oob
    if (oob !== null) {
      transfer ??= []
      for (let o = 0; o < oob.length; o++) transfer.push(oob[o])
      // Large buffers go to the main thread and on to their consumer by transfer. Handing
      // them to a consumer here would mean a copy or a shared buffer: stop the batch, and
      // the main thread sends the rest on.
      if (localUse?.[b] === 1) {
        for (let rest = b + 1; rest < count; rest++) publishOutcome(views, slot, rest, Outcome.NotRun, 0, 0, null, false)
        break
      }
    }
  }
  if (lent !== null) keepLent(lent, slot)
  Atomics.store(views.current, slot, -1)
  if (transfer === null) return answer
  const moved = answer
  return move({
    get [transferableSymbol] () { return transfer },
    get [valueSymbol] () { return moved }
  } as never)
}

// One copy of the slot's data region per batch, rather than one per output handed on.
function keepLent (lent: SlotBytes[], slot: number): void {
  const from = slot * views.dataSize
  const copy = views.data.slice(from, from + views.dataUsed[slot])
  for (let k = 0; k < lent.length; k++) {
    lent[k].source = copy
    lent[k].at -= from
  }
}

function emptyAnswer (): BatchAnswer {
  return { packets: null, errors: null, logs: null }
}

function rawValue (ints: Int32Array, valuesAt: number, r: number, bytes: Uint8Array, packets: Packet[] | null): unknown {
  const offset = ints[valuesAt + 2 * r]
  const length = ints[valuesAt + 2 * r + 1]
  if (offset === -1) return packets![length]
  return length === 0 ? undefined : bytes.subarray(offset, offset + length)
}

/** Loads each handler; answers with the problems found, for validation at publish time (see handler-loader.ts). */
export async function validate (message: ValidateMessage): Promise<HandlerProblem[]> {
  return validateHandlers(message, options.typescript)
}
