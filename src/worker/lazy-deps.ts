/**
 * `ctx.deps` with each dependency's output decoded when a handler first reads it:
 *
 *   deps = {}                       a plain object, keys in dependency order
 *   deps[id] = value                undefined, or a primitive made earlier in the batch
 *   deps[id] = getter (enumerable)  bytes or a packet, kept beside the object
 *        └─ first read ─▶ decode ─▶ an ordinary data property from then on
 *
 * A handler that never reads a dependency never pays for decoding it; one that reads
 * it gets its own copy, decoded from the bytes every other reader decodes from, so
 * that changing it in place changes what no other task sees. Keys, `Object.keys`,
 * spreading and serialising see the same object as before (the getters are own,
 * enumerable properties); writing to a key replaces the getter with the value.
 */
import { decode, type Packet } from '../wire/values.js'

/** The items of a list value (a mapped task's outputs), each still to decode. */
export class RawList {
  constructor (readonly items: unknown[]) {}
}

/**
 * An output made earlier in the batch, read where the worker wrote it: `length` bytes
 * at `at` in `source` (the slot's data region while the batch runs, a copy after).
 */
export class SlotBytes {
  constructor (public source: Uint8Array, public at: number, readonly length: number) {}
}

/** Bytes (or a packet, or a list of them) as they came: decodes them. */
export function decodeRaw (raw: unknown): unknown {
  if (raw === undefined) return undefined
  if (raw instanceof SlotBytes) return decode({ bytes: raw.source.subarray(raw.at, raw.at + raw.length), oob: null })
  if (raw instanceof RawList) {
    const items = raw.items
    const values = new Array<unknown>(items.length)
    for (let v = 0; v < items.length; v++) values[v] = decodeRaw(items[v])
    return values
  }
  return raw instanceof Uint8Array ? decode({ bytes: raw, oob: null }) : decode(raw as Packet)
}

// A base class whose constructor returns the object it is given, so that a subclass's
// private field is stamped onto a plain object: the raw values ride with `deps`
// without a key that a handler could see, spread or serialise, and without a WeakMap.
class Stamp {
  constructor (target: object) {
    return target as Stamp
  }
}

class WithRaws extends Stamp {
  readonly #raws: unknown[]

  constructor (target: object, raws: unknown[]) {
    super(target)
    this.#raws = raws
  }

  static rawsOf (deps: object): unknown[] {
    return (deps as WithRaws).#raws
  }
}

/** A value decoded for a `deps` that refused to take it as a property (frozen by its handler). */
class Decoded {
  constructor (readonly value: unknown) {}
}

function readLazy (deps: object, id: string, position: number): unknown {
  const raws = WithRaws.rawsOf(deps)
  const raw = raws[position]
  if (raw instanceof Decoded) return raw.value
  const value = decodeRaw(raw)
  if (Reflect.defineProperty(deps, id, { value, writable: true, enumerable: true, configurable: true })) raws[position] = undefined
  else raws[position] = new Decoded(value)
  return value
}

/** What `deps` is made from: a worker's plan, with a getter per edge kept once made. */
export interface DepsPlan {
  ids: string[]
  depStart: Int32Array
  depList: Int32Array
  /** Per edge (depList index), the getter of its dependency, made on first use. */
  lazy: Array<PropertyDescriptor | undefined>
}

/**
 * `ctx.deps` of task `index` of `plan`, from the values of its dependencies in order:
 * undefined and primitives as they are, anything else (bytes, a packet, a RawList) as a
 * getter that decodes it on first read.
 */
export function makeDeps (plan: DepsPlan, index: number, values: unknown[] | null): Record<string, unknown> {
  const deps: Record<string, unknown> = {}
  if (values === null) return deps
  // Stamped first, so that every deps object takes the same first transition.
  new WithRaws(deps, values) // eslint-disable-line no-new
  const first = plan.depStart[index]
  for (let p = 0; p < values.length; p++) {
    const id = plan.ids[plan.depList[first + p]]
    const value = values[p]
    if (value === null || typeof value !== 'object') deps[id] = value
    else Object.defineProperty(deps, id, plan.lazy[first + p] ??= lazyDescriptor(id, p))
  }
  return deps
}

// The descriptor of dependency `id` at `position` among a task's dependencies: one per
// edge of a plan, made once and kept in the plan, so that a task costs no closure.
function lazyDescriptor (id: string, position: number): PropertyDescriptor {
  return {
    get (this: object): unknown { return readLazy(this, id, position) },
    set (this: object, value: unknown): void {
      Reflect.defineProperty(this, id, { value, writable: true, enumerable: true, configurable: true })
    },
    enumerable: true,
    configurable: true
  }
}
