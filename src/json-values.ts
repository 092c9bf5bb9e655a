/**
 * JSON text of the values handlers return, for people to read (the CLI, the console):
 * Maps, Sets and BigInts have no JSON form, and a typed array of megabytes is better named
 * than listed.
 */

/**
 * A `JSON.stringify` replacer: Maps become objects, Sets arrays, BigInts text (with `suffix`),
 * typed arrays and DataViews their items up to `maxItems`, else `<Float64Array 16384 items>`.
 */
export function valueReplacer (maxItems: number, suffix = ''): (key: string, value: unknown) => unknown {
  return (_key, v) => {
    if (typeof v === 'bigint') return `${v.toString()}${suffix}`
    if (v instanceof Map) return Object.fromEntries(v)
    if (v instanceof Set) return [...v]
    if (ArrayBuffer.isView(v)) {
      const view = v as unknown as ArrayLike<number>
      return view.length <= maxItems ? Array.from(view) : `<${v.constructor.name} ${view.length} items>`
    }
    return v
  }
}
