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
import { BatchInts, encodeWorkerPlan, kListValue, type BatchMessage } from '../wire/batch-format.js'
import { elementStart, type Elements } from '../wire/elements.js'
import type { Execution } from './execution.js'
import type { Batch } from './batch.js'
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
  // The batch being encoded: bytes used, values made, packets and buffers it moves.
  #used = 0
  #nValues = 0
  #packets: Packet[] | null = null
  #transfer: ArrayBuffer[] | null = null
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
    const serial = this.#nextSerial(exec.size)
    const posStamp = this.#posStamp
    const pos = this.#pos
    const { template, mapIndex } = exec
    const { dataStart, dataList, mapSource } = plan
    let refs = 0
    for (let b = 0; b < count; b++) {
      const i = tasks[b]
      posStamp[i] = serial
      pos[i] = b
      refs += dataStart[template[i] + 1] - dataStart[template[i]]
    }
    const valuesAt = BatchInts.tasksAt + BatchInts.perTask * count + refs
    let ints = this.#ints
    if (ints.length < valuesAt) ints = this.#ints = new Int32Array(Math.max(valuesAt, ints.length * 2))
    this.#valueRoom(refs)
    ints[BatchInts.count] = count
    ints[BatchInts.valuesAt] = valuesAt
    this.#used = 0
    this.#packets = null
    this.#transfer = null
    this.#nValues = 0
    let shared: SharedArrayBuffer | null = null
    if (exec.input.length <= kInlineInput) {
      this.#used = this.#append(exec.input, 0, exec.input.length, 0)
      ints[BatchInts.inputLength] = this.#used
    } else {
      shared = this.#sharedInput(exec)
      ints[BatchInts.inputLength] = -1
    }
    let ref = BatchInts.tasksAt + BatchInts.perTask * count
    const { maps } = exec
    for (let b = 0; b < count; b++) {
      const i = tasks[b]
      const t = template[i]
      const at = BatchInts.tasksAt + BatchInts.perTask * b
      ints[at] = t
      ints[at + 1] = exec.attempts[i]
      ints[at + 2] = mapIndex[i]
      ints[at + 3] = i
      const source = t === i ? -1 : mapSource[t]
      for (let k = dataStart[t]; k < dataStart[t + 1]; k++) {
        let dep = dataList[k]
        if (dep === source) {
          // An instance takes one element: its own instance of a mapped source, or the
          // element's bytes as the source's worker serialised them.
          if (mapSource[dep] === -1) {
            ints[ref++] = this.#element(exec, dep, mapIndex[i])
            continue
          }
          dep = maps!.first[dep] + mapIndex[i]
        } else if (maps !== null && mapSource[dep] !== -1) {
          // A task that takes a mapped task whole gets its instances' outputs, in order.
          ints[ref++] = this.#list(exec, maps.first[dep], maps.count[dep], i, serial)
          continue
        }
        if (posStamp[dep] === serial && pos[dep] < b) {
          ints[ref++] = -pos[dep] - 1
          continue
        }
        ints[ref++] = this.#value(exec, dep, i, serial)
      }
    }
    const values = this.#values
    const nValues = this.#nValues
    const used = this.#used
    const packets = this.#packets
    const transfer = this.#transfer
    const end = valuesAt + 2 * nValues
    if (ints.length < end) {
      const grown = new Int32Array(Math.max(end, ints.length * 2))
      grown.set(ints.subarray(0, valuesAt))
      ints = this.#ints = grown
    }
    ints.set(values.subarray(0, 2 * nValues), valuesAt)
    ints[BatchInts.bytesLength] = used
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

  // Room for `more` entries in the value table.
  #valueRoom (more: number): void {
    const need = 2 * (this.#nValues + more)
    if (this.#values.length < need) {
      const grown = new Int32Array(Math.max(need, this.#values.length * 2))
      grown.set(this.#values.subarray(0, 2 * this.#nValues))
      this.#values = grown
    }
  }

  // The value of output `dep` for `consumer`: its bytes once per batch, or a packet.
  #value (exec: Execution, dep: number, consumer: number, serial: number): number {
    const { outputs } = exec
    const values = this.#values
    const length = outputs.len[dep]
    if (length === kPacketOutput) {
      // Never shared between two consumers of this batch: each decodes its own buffers.
      const packet = this.#packetFor(exec, dep, consumer)
      if (packet.oob !== null) (this.#transfer ??= []).push(...packet.oob)
      return this.#packetValue(packet)
    }
    if (length >= TRANSFER_THRESHOLD && isShared(outputs.buf[dep] as Uint8Array)) {
      // In shared memory: referenced by the message, never copied here.
      const at = outputs.off[dep]
      return this.#packetValue({ bytes: (outputs.buf[dep] as Uint8Array).subarray(at, at + length), oob: null })
    }
    if (this.#valueStamp[dep] === serial) return this.#valueOf[dep]
    const n = this.#nValues++
    this.#valueStamp[dep] = serial
    this.#valueOf[dep] = n
    values[2 * n] = this.#used
    values[2 * n + 1] = length
    if (length >= TRANSFER_THRESHOLD) countCopy(length)
    if (length > 0) this.#used = this.#append(outputs.buf[dep] as Uint8Array, outputs.off[dep], length, this.#used)
    return n
  }

  #packetValue (packet: Packet): number {
    const n = this.#nValues++
    const list = this.#packets ??= []
    list.push(packet)
    this.#values[2 * n] = -1
    this.#values[2 * n + 1] = list.length - 1
    return n
  }

  // Element m of the output of `source` (a plain task), as its worker serialised it.
  #element (exec: Execution, source: number, m: number): number {
    const elements = exec.maps!.inputs[source] as Elements
    const start = elementStart(elements, m)
    const length = elements.ends[m] - start
    const n = this.#nValues++
    this.#values[2 * n] = this.#used
    this.#values[2 * n + 1] = length
    this.#used = this.#append(elements.bytes, start, length, this.#used)
    return n
  }

  // The outputs of instances first .. first + count - 1, as one value: (-2, count), then
  // one entry per instance. The worker makes the array; no output is decoded here.
  #list (exec: Execution, first: number, count: number, consumer: number, serial: number): number {
    this.#valueRoom(count + 1)
    const n = this.#nValues++
    this.#values[2 * n] = kListValue
    this.#values[2 * n + 1] = count
    // Entries follow the head in order, so each is made afresh (not one made before for another consumer).
    for (let s = first; s < first + count; s++) {
      this.#valueStamp[s] = 0
      this.#value(exec, s, consumer, serial)
    }
    return n
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
    if (--left[dep] > 0 || (!exec.storeOutputs && exec.plan.retry[exec.template[consumer]].maxAutoRetries > 0)) {
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
        // ctx.deps holds the outputs a task takes, not what it only waits for
        depStart: plan.dataStart,
        depList: plan.dataList,
        mapSource: plan.mapSource,
        keyed: plan.keyed
      })
      entry = { key: this.#nextPlanKey++, data }
      this.#plans.set(plan, entry)
    }
    return entry
  }
}

// Tasks whose large output goes to shared memory even with storeOutputs off: taken by
// several consumers, by one that may be retried (it needs the value again), or by a
// mapped task (each of its instances takes it). Instances' outputs always do (worker.ts).
function sharedOutputs (plan: Plan): Uint8Array {
  const share = new Uint8Array(plan.size)
  for (let i = 0; i < plan.size; i++) {
    const dependents = plan.dependents[i]
    if (dependents.length > 1) share[i] = 1
    else if (dependents.length === 1 && (plan.retry[dependents[0]].maxAutoRetries > 0 || plan.mapSource[dependents[0]] !== -1)) share[i] = 1
  }
  return share
}
