/**
 * The cache keys of one execution's tasks, and the digests of the outputs they are
 * made of, per task slot. A key is the SHA-256 of 32-byte digests, made on the main
 * thread from digests that already exist: the task's identity (handler file, export,
 * version, static input; made at publish), the execution input's (hashed once, from
 * the bytes made to send it), and each dependency output's, as the worker that made
 * it hashed it (an instance takes its element's instead of its source's output).
 *
 *   key = sha256( identity[t] | input | dep 1 | dep 2 | ... )
 */
import type { Execution } from './execution.js'
import { digestOf, digestsOfRanges, hexDigestOf, kDigestBytes } from '../wire/digest.js'
import type { Elements } from '../wire/elements.js'
import { UNDEFINED_PACKET } from '../wire/values.js'
import type { TaskIdentities } from '../workflow/handler-identity.js'

export class CacheKeys {
  readonly #exec: Execution
  readonly #identities: TaskIdentities
  #input: Buffer | null = null
  /** Per slot: its key once looked up. */
  readonly keys: Array<string | undefined> = []
  #digests = new Uint8Array(0)
  #has = new Uint8Array(0)
  /** Keys of the runs this execution leads (others wait for them: single flight). */
  readonly leading = new Set<string>()

  constructor (exec: Execution, identities: TaskIdentities) {
    this.#exec = exec
    this.#identities = identities
  }

  /** Keeps the digest of slot s's output (a view: copied here). */
  setDigest (s: number, digest: Uint8Array): void {
    this.#room(s)
    this.#digests.set(digest, s * kDigestBytes)
    this.#has[s] = 1
  }

  /** The digest of slot s's output: the worker's, or (an output an earlier execution made) hashed here. */
  digest (s: number): Uint8Array {
    this.#room(s)
    if (this.#has[s] === 0) this.setDigest(s, digestOf(this.#exec.outputs.bytes(s) ?? UNDEFINED_PACKET.bytes))
    return this.#digests.subarray(s * kDigestBytes, (s + 1) * kDigestBytes)
  }

  /** The key of ready task slot i. */
  keyOf (i: number, scratch: Scratch): string {
    const exec = this.#exec
    const { plan, template, mapIndex, maps } = exec
    const t = template[i]
    // what a task only waits for (after) is not part of its key
    const { dataStart: depStart, dataList: depList, mapSource } = plan
    scratch.reset()
    scratch.push(this.#identities[t]!)
    scratch.push(this.#input ??= digestOf(exec.input))
    const source = t === i ? -1 : mapSource[t]
    for (let k = depStart[t]; k < depStart[t + 1]; k++) {
      const dep = depList[k]
      if (dep === source) {
        const m = mapIndex[i]
        if (mapSource[dep] === -1) {
          // Hashed by the worker that split the array; on a resume, here.
          const elements = maps!.inputs[dep] as Elements
          elements.digests ??= digestsOfRanges(elements.bytes, elements.ends)
          scratch.push(elements.digests.subarray(m * kDigestBytes, (m + 1) * kDigestBytes))
        } else scratch.push(this.digest(maps!.first[dep] + m))
      } else if (maps !== null && mapSource[dep] !== -1) {
        for (let s = maps.first[dep], end = s + maps.count[dep]; s < end; s++) scratch.push(this.digest(s))
      } else scratch.push(this.digest(dep))
    }
    return hexDigestOf(scratch.bytes())
  }

  #room (s: number): void {
    if (s < this.#has.length) return
    const n = Math.max(s + 1, this.#exec.size, this.#has.length * 2)
    const digests = new Uint8Array(n * kDigestBytes)
    digests.set(this.#digests)
    const has = new Uint8Array(n)
    has.set(this.#has)
    this.#digests = digests
    this.#has = has
  }
}

/** One reused buffer that the parts of a key are written into. */
export class Scratch {
  #buf = new Uint8Array(32 * kDigestBytes)
  #used = 0

  reset (): void { this.#used = 0 }

  push (digest: Uint8Array): void {
    if (this.#used + digest.length > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#used + digest.length, this.#buf.length * 2))
      grown.set(this.#buf.subarray(0, this.#used))
      this.#buf = grown
    }
    this.#buf.set(digest, this.#used)
    this.#used += digest.length
  }

  bytes (): Uint8Array { return this.#buf.subarray(0, this.#used) }
}
