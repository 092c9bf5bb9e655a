/** Returns values that JSON would lose: a Map, a Date, a BigInt, typed arrays small and large. */
export default function values () {
  const large = new Float64Array(16384)
  for (let i = 0; i < large.length; i++) large[i] = i / 2
  return {
    map: new Map([['a', 1], ['b', { nested: [2n] }]]),
    set: new Set(['x', 'y']),
    date: new Date('2024-02-29T12:34:56.789Z'),
    big: 2n ** 70n,
    small: new Int16Array([-1, 2, -3]),
    large,
    view: new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2)
  }
}

/** Returns its dependency's output unchanged (output of `params.from`), to check what reached it. */
export function passOn (input, ctx) {
  return ctx.deps[ctx.params.from]
}
