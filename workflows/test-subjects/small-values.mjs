/**
 * Values of every kind a task may return, small and not, by name: what history keeps and
 * what a dependent gets must be exactly these (the fast paths for small values and V8's
 * serialiser alike). `kinds()` builds them afresh on each call.
 */
export function kinds () {
  const shared = { at: 'both' }
  const extra = [1, 2]
  extra.label = 'named'
  const cyclic = { name: 'loop' }
  cyclic.self = cyclic
  return {
    int: 7,
    negZero: -0,
    nan: NaN,
    inf: -Infinity,
    double: 1.5,
    bigInt32: 2 ** 31,
    minInt32: -(2 ** 31),
    bool: false,
    nil: null,
    undef: undefined,
    empty: '',
    latin1: 'héllo',
    wide: 'h€llo 😀',
    long: 'x'.repeat(1000),
    numericKeys: { 2: 'two', 0: 'zero', name: 'n' },
    ownProto: JSON.parse('{"__proto__": {"polluted": true}, "x": 1}'),
    emptyObject: {},
    emptyArray: [],
    sparse: [1, , 3], // eslint-disable-line no-sparse-arrays
    holes: new Array(3),
    undefinedVsNull: [undefined, null, { u: undefined, n: null }],
    extra,
    nested: { a: [{ b: [{ c: [-0, 'd'] }] }] },
    bigint: 2n ** 70n,
    date: new Date('2024-02-29T12:34:56.789Z'),
    map: new Map([['a', 1], [2, { b: [3] }]]),
    set: new Set([1, 'x']),
    typed: new Int16Array([-1, 2, -3]),
    regexp: /a+b/gi,
    shared: [shared, shared],
    cyclic,
    noProto: Object.assign(Object.create(null), { k: 'v' }),
    many: Array.from({ length: 300 }, (_, i) => i)
  }
}

/** Returns the value of kind `params.kind` alone, most of them small enough for the fast paths. */
export function kind (input, ctx) {
  return kinds()[ctx.params.kind]
}

/** Returns its dependency `params.from` as it got it. */
export function passOn (input, ctx) {
  return ctx.deps[ctx.params.from]
}

/** Returns `{ n: 1, list: [1, 2] }`. */
export function small () {
  return { n: 1, list: [1, 2] }
}

/** Changes its dependency `params.from` in place, then returns it. */
export function mutate (input, ctx) {
  const value = ctx.deps[ctx.params.from]
  value.n = 99
  value.list.push(3)
  return value
}

/**
 * Reads dependency `params.read` only, and says how many values this thread decoded
 * while it did, and while it listed the keys of `ctx.deps`.
 */
export function readOne (input, ctx) {
  const decodes = globalThis[Symbol.for('graph-task.decodes')]
  const before = decodes.count
  const value = ctx.deps[ctx.params.read]
  const read = decodes.count - before
  const keys = Object.keys(ctx.deps)
  return { value, read, listing: decodes.count - before - read, keys }
}
