/**
 * The hash of a workflow definition, stored with each execution and compared
 * on manual retry: a retry of an execution whose workflow changed since is
 * refused unless asked for.
 */
import { createHash } from 'node:crypto'
import type { RetryPolicy } from '../types.js'
import type { Packet } from '../wire/values.js'
import type { Workflow } from './definition.js'

/** The parts of a checked definition the hash reads. */
interface HashedStructure {
  readonly ids: readonly string[]
  readonly depStart: Int32Array
  readonly depList: Int32Array
}

const kLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * A stable hash of everything that decides what an execution does: per task its
 * id, handler, dependencies (data and ordering-only), timeout, retry policy and static input. Stored with
 * executions and compared on manual retry, so it depends on the definition only,
 * never on the process: numbers go in as little-endian bytes, whatever the CPU.
 * Tasks are hashed in their order, so a task's dependencies go in as their sorted
 * positions. Every section has its length fixed by the header or is self-delimiting
 * (ids cannot hold a newline; JSON), so different definitions give different text.
 * A few large updates: one update (and one string) per task costs more than SHA-256.
 */
export function definitionHash (workflow: Workflow, structure: HashedStructure, timeouts: Float64Array,
  params: ReadonlyArray<Packet | null>, mapSource: Int32Array | null = null, dataStart: Int32Array | null = null): string {
  const { tasks } = workflow
  const { ids, depStart, depList } = structure
  const n = tasks.length
  const handlerNames: string[] = []
  const handlerNumbers = new Map<string, number>()
  const retries: Array<[task: number, policy: string]> = []
  // Per task: its handler's number in handlerNames, then the byte length of its input (-1 for none).
  const perTask = new Int32Array(2 * n)
  let last = ''
  let lastNumber = -1
  for (let i = 0; i < n; i++) {
    const t = tasks[i]
    if (t.handler !== last) {
      last = t.handler
      lastNumber = handlerNumbers.get(last) ?? -1
      if (lastNumber === -1) {
        lastNumber = handlerNames.push(last) - 1
        handlerNumbers.set(last, lastNumber)
      }
    }
    perTask[i] = lastNumber
    perTask[n + i] = params[i]?.bytes.length ?? -1
    if (t.retry !== undefined) retries.push([i, retryText(t.retry)])
  }
  const sortedDeps = depList.slice()
  for (let i = 0; i < n; i++) {
    if (dataStart === null) sortRange(sortedDeps, depStart[i], depStart[i + 1])
    else {
      // A task's data dependencies, then its ordering ones: each sorted on its own.
      const dataEnd = depStart[i] + dataStart[i + 1] - dataStart[i]
      sortRange(sortedDeps, depStart[i], dataEnd)
      sortRange(sortedDeps, dataEnd, depStart[i + 1])
    }
  }
  const hash = createHash('sha256')
  hash.update(`graph-task definition 2\n${JSON.stringify([workflow.id, workflow.version, n, depStart[n]])}\n`)
  hash.update(ids.join('\n'))
  hash.update(`\n${JSON.stringify(handlerNames)}\n${JSON.stringify(retries)}\n`)
  for (const numbers of [depStart, sortedDeps, perTask, timeouts]) hash.update(littleEndian(numbers))
  for (const p of params) if (p !== null) hash.update(p.bytes)
  // Only for workflows with maps, so that the hashes of the others stay as they were.
  if (mapSource !== null) hash.update(littleEndian(mapSource))
  // Only for workflows with ordering-only dependencies, likewise.
  if (dataStart !== null) hash.update(littleEndian(dataStart))
  return hash.digest('hex')
}

function sortRange (list: Int32Array, from: number, to: number): void {
  const count = to - from
  if (count === 2) {
    if (list[from] > list[from + 1]) {
      const first = list[from]
      list[from] = list[from + 1]
      list[from + 1] = first
    }
  } else if (count > 2) list.subarray(from, to).sort()
}

function littleEndian (numbers: Int32Array | Float64Array): Uint8Array {
  const bytes = new Uint8Array(numbers.buffer, numbers.byteOffset, numbers.byteLength)
  if (kLittleEndian) return bytes
  const copy = Buffer.from(bytes)
  return numbers.BYTES_PER_ELEMENT === 4 ? copy.swap32() : copy.swap64()
}

// Known fields in a fixed order: the same policy hashes the same whatever its key order.
function retryText (r: Readonly<RetryPolicy>): string {
  // nonRetryable only when given, so that the hashes of definitions without it stay as they were.
  return `${r.maxAutoRetries ?? ''},${r.retryDelay ?? ''},${r.backoffMultiplier ?? ''},${r.maxRetryDelay ?? ''},${r.jitter ?? ''}` +
    (r.nonRetryable === undefined ? '' : `,${JSON.stringify(r.nonRetryable)}`)
}
