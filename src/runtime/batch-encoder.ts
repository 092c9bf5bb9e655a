/**
 * Main side of the batch message (see batch-format.ts): integers into one
 * Int32Array, the execution input and dependency outputs into one byte buffer,
 * both moved to the worker. Per task it writes a few integers and copies the
 * bytes of each dependency output once per batch (a value that two tasks of the
 * batch take is sent once). No object per task.
 *
 * Large outputs that history keeps, or that several consumers or a retried one
 * take, arrive in shared memory (wire.ts, encodeShared): each consumer gets a
 * reference, never a copy made here. The others (Packets with out-of-band
 * buffers, one consumer, no retry) are moved on to their consumer as they are.
 * #packetFor still copies a packet that would go to a second consumer, which
 * that rule leaves to none; such copies are counted (copy-count.ts).
 */
import type { Plan } from '../workflow/planner.js'
import { BatchInts, encodeWorkerPlan, type BatchMessage } from '../wire/batch-format.js'
import type { Execution } from './execution.js'
import type { Batch } from './worker-pool.js'
import { clonePacket, isShared, TRANSFER_THRESHOLD, type Packet } from '../wire/values.js'
import { countCopy } from '../copy-count.js'
import { kPacketOutput } from './task-outputs.js'

// Inputs up to this size travel in each batch's bytes; larger ones are shared once per execution.
const kInlineInput = 16 * 1024

/** A batch as the encoder leaves it: the message, and its integers and bytes still to place. */
export interface Encoded {
  message: BatchMessage
  ints: Int32Array
  bytes: Uint8Array
  /** Large buffers the message moves, or null. */
  transfer: ArrayBuffer[] | null
}

export class BatchEncoder {
  readonly #encoded: Encoded = { message: null as unknown as BatchMessage, ints: new Int32Array(0), bytes: new Uint8Array(0), transfer: null }
  #ints = new Int32Array(1024)
  #values = new Int32Array(256)
  #bytes = new Uint8Array(64 * 1024)
  // Per task index, reused across batches: a batch's serial marks the entries it wrote.
  #posStamp = new Int32Array(0)
  #pos = new Int32Array(0)
  #valueStamp = new Int32Array(0)
  #valueOf = new Int32Array(0)
  #serial = 0
  #nextPlanKey = 1
  readonly #plans = new WeakMap<Plan, { key: number, data: SharedArrayBuffer }>()
  readonly #inputs = new WeakMap<Execution, SharedArrayBuffer>()

  /**
   * The message of a batch whose tasks were dispatched. Its integers and bytes are
   * left in `ints` and `bytes` (views of this encoder's buffers, valid until the next
   * call) for the pool to place; `transfer` lists the large buffers the message moves.
   */
  encode (batch: Batch): Encoded {
    const { exec, tasks } = batch
    const { plan } = exec
    const count = tasks.length
    const serial = this.#nextSerial(plan.size)
    const posStamp = this.#posStamp
    const pos = this.#pos
    let refs = 0
    for (let b = 0; b < count; b++) {
      const i = tasks[b]
      posStamp[i] = serial
      pos[i] = b
      refs += plan.depCounts[i]
    }
    const valuesAt = BatchInts.tasksAt + 2 * count + refs
    let ints = this.#ints
    if (ints.length < valuesAt) ints = this.#ints = new Int32Array(Math.max(valuesAt, ints.length * 2))
    if (this.#values.length < 2 * refs) this.#values = new Int32Array(Math.max(2 * refs, this.#values.length * 2))
    const values = this.#values
    ints[BatchInts.count] = count
    ints[BatchInts.valuesAt] = valuesAt
    let used = 0
    let shared: SharedArrayBuffer | null = null
    if (exec.input.length <= kInlineInput) {
      used = this.#append(exec.input, 0, exec.input.length, 0)
      ints[BatchInts.inputLength] = used
    } else {
      shared = this.#sharedInput(exec)
      ints[BatchInts.inputLength] = -1
    }
    let packets: Packet[] | null = null
    let transfer: ArrayBuffer[] | null = null
    let ref = BatchInts.tasksAt + 2 * count
    let nValues = 0
    const { depStart, depList } = plan
    const valueStamp = this.#valueStamp
    const valueOf = this.#valueOf
    const { outputs } = exec
    for (let b = 0; b < count; b++) {
      const i = tasks[b]
      ints[BatchInts.tasksAt + 2 * b] = i
      ints[BatchInts.tasksAt + 2 * b + 1] = exec.attempts[i]
      for (let k = depStart[i]; k < depStart[i + 1]; k++) {
        const dep = depList[k]
        if (posStamp[dep] === serial && pos[dep] < b) {
          ints[ref++] = -pos[dep] - 1
          continue
        }
        const length = outputs.len[dep]
        if (length === kPacketOutput) {
          // Never shared between two consumers of this batch: each decodes its own buffers.
          const packet = this.#packetFor(exec, dep, i);
          (packets ??= []).push(packet)
          if (packet.oob !== null) (transfer ??= []).push(...packet.oob)
          values[2 * nValues] = -1
          values[2 * nValues + 1] = packets.length - 1
          ints[ref++] = nValues++
          continue
        }
        if (length >= TRANSFER_THRESHOLD && isShared(outputs.buf[dep] as Uint8Array)) {
          // In shared memory: referenced by the message, never copied here.
          const at = outputs.off[dep];
          (packets ??= []).push({ bytes: (outputs.buf[dep] as Uint8Array).subarray(at, at + length), oob: null })
          values[2 * nValues] = -1
          values[2 * nValues + 1] = packets.length - 1
          ints[ref++] = nValues++
          continue
        }
        if (valueStamp[dep] === serial) {
          ints[ref++] = valueOf[dep]
          continue
        }
        valueStamp[dep] = serial
        valueOf[dep] = nValues
        values[2 * nValues] = used
        values[2 * nValues + 1] = length
        if (length >= TRANSFER_THRESHOLD) countCopy(length)
        if (length > 0) used = this.#append(outputs.buf[dep] as Uint8Array, outputs.off[dep], length, used)
        ints[ref++] = nValues++
      }
    }
    const end = valuesAt + 2 * nValues
    if (ints.length < end) {
      const grown = new Int32Array(Math.max(end, ints.length * 2))
      grown.set(ints.subarray(0, valuesAt))
      ints = this.#ints = grown
    }
    ints.set(values.subarray(0, 2 * nValues), valuesAt)
    const { key, data } = this.#planData(plan)
    const encoded = this.#encoded
    encoded.message = {
      slot: batch.slot,
      executionId: exec.id,
      workflowId: exec.workflowId,
      traceId: exec.traceId,
      rootSpanId: exec.rootSpanId,
      traceFlags: exec.traceFlags,
      plan: key,
      planData: data,
      input: shared,
      ints: null,
      bytes: null,
      packets,
      store: exec.storeOutputs
    }
    encoded.ints = ints.subarray(0, end)
    encoded.bytes = this.#bytes.subarray(0, used)
    encoded.transfer = transfer
    return encoded
  }

  #append (source: Uint8Array, offset: number, length: number, used: number): number {
    if (used + length > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(used + length, this.#bytes.length * 2))
      grown.set(this.#bytes.subarray(0, used))
      this.#bytes = grown
    }
    this.#bytes.set(length === source.length && offset === 0 ? source : source.subarray(offset, offset + length), used)
    return used + length
  }

  // Transfer or copy of a large output, by the rules in the header comment.
  #packetFor (exec: Execution, dep: number, consumer: number): Packet {
    const packet = exec.outputs.buf[dep] as Packet
    const left = exec.outputs.consumersLeft()
    if (--left[dep] > 0 || (!exec.storeOutputs && exec.plan.retry[consumer].maxAutoRetries > 0)) {
      return clonePacket(packet)
    }
    const stored = exec.outputs.storedOf(dep)
    if (packet.oob![0].byteLength === 0 && stored !== undefined) {
      // Moved to an earlier attempt of this consumer: rebuilt from the stored copy.
      return { bytes: stored, oob: null }
    }
    return packet
  }

  #nextSerial (size: number): number {
    if (this.#posStamp.length < size) {
      const n = Math.max(size, this.#posStamp.length * 2)
      this.#posStamp = new Int32Array(n)
      this.#pos = new Int32Array(n)
      this.#valueStamp = new Int32Array(n)
      this.#valueOf = new Int32Array(n)
      this.#serial = 0
    }
    if (this.#serial === 0x7fffffff) {
      this.#posStamp.fill(0)
      this.#valueStamp.fill(0)
      this.#serial = 0
    }
    return ++this.#serial
  }

  #sharedInput (exec: Execution): SharedArrayBuffer {
    let shared = this.#inputs.get(exec)
    if (shared === undefined) {
      shared = new SharedArrayBuffer(exec.input.length)
      new Uint8Array(shared).set(exec.input)
      this.#inputs.set(exec, shared)
    }
    return shared
  }

  // The plan's worker part, encoded once into shared memory.
  #planData (plan: Plan): { key: number, data: SharedArrayBuffer } {
    let entry = this.#plans.get(plan)
    if (entry === undefined) {
      const handlers: string[] = []
      const numbers = new Map<string, number>()
      const handlerOf = new Int32Array(plan.size)
      for (let i = 0; i < plan.size; i++) {
        let n = numbers.get(plan.handlers[i])
        if (n === undefined) {
          n = handlers.push(plan.handlers[i]) - 1
          numbers.set(plan.handlers[i], n)
        }
        handlerOf[i] = n
      }
      const data = encodeWorkerPlan({
        ids: plan.ids as string[],
        handlers,
        handlerOf,
        params: plan.params.map(p => p === null ? null : p.bytes),
        share: sharedOutputs(plan),
        depStart: plan.depStart,
        depList: plan.depList
      })
      entry = { key: this.#nextPlanKey++, data }
      this.#plans.set(plan, entry)
    }
    return entry
  }
}

// Tasks whose large output goes to shared memory even with storeOutputs off: taken by
// several consumers, or by one that may be retried (it needs the value again).
function sharedOutputs (plan: Plan): Uint8Array {
  const share = new Uint8Array(plan.size)
  for (let i = 0; i < plan.size; i++) {
    const dependents = plan.dependents[i]
    if (dependents.length > 1) share[i] = 1
    else if (dependents.length === 1 && plan.retry[dependents[0]].maxAutoRetries > 0) share[i] = 1
  }
  return share
}
