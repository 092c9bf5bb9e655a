/**
 * Unknown option keys are refused everywhere: a typo such as `depends` for `dependsOn`
 * would otherwise build a different graph without a word. The message names the key,
 * the object it was found in, and the closest known key when one is near enough.
 */
import { InvalidOptionsError } from './errors.js'

/**
 * Throws when `options` has a key outside `known`.
 * @param where how the message names the object, e.g. `addTask('b')` or `new Engine()`
 * @throws {InvalidOptionsError} "unknown option 'depends' in addTask('b'); did you mean 'dependsOn'?"
 */
export function rejectUnknownKeys (options: object, known: ReadonlySet<string> | readonly string[], where: string): void {
  const set = known instanceof Set ? known : new Set(known as readonly string[])
  for (const key of Object.keys(options)) {
    if (set.has(key)) continue
    const near = closestKey(key, set)
    throw new InvalidOptionsError(`unknown option '${key}' in ${where}` +
      (near !== undefined ? `; did you mean '${near}'?` : `; known options: ${[...set].join(', ')}`))
  }
}

/** The known key nearest to `key` by edit distance, or a known key that starts with it; undefined when none is close. */
export function closestKey (key: string, known: Iterable<string>): string | undefined {
  const lower = key.toLowerCase()
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const c = candidate.toLowerCase()
    if (c.startsWith(lower) || lower.startsWith(c)) {
      const d = Math.abs(c.length - lower.length) / 2
      if (d < bestDistance) { best = candidate; bestDistance = d }
      continue
    }
    const d = editDistance(lower, c)
    if (d < bestDistance) { best = candidate; bestDistance = d }
  }
  // More than a third of the word changed is a different word, not a typo.
  return bestDistance <= Math.max(2, Math.ceil(key.length / 3)) ? best : undefined
}

/** Levenshtein distance with one reused row. */
function editDistance (a: string, b: string): number {
  const row = new Array<number>(b.length + 1)
  for (let j = 0; j <= b.length; j++) row[j] = j
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]
      row[j] = Math.min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]
}

/** Describes a wrong value for a message: its JSON (cut short) and its type. */
export function describeValue (value: unknown): string {
  let shown: string
  try {
    shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'function' ? '[function]' : JSON.stringify(value) ?? String(value)
  } catch {
    shown = String(value)
  }
  if (shown.length > 60) shown = shown.slice(0, 57) + '...'
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  return `${shown} (${type})`
}

/**
 * The keys of an options interface as a set, checked by the compiler against the
 * interface: a key missing from `keys`, or one the interface lacks, fails to compile,
 * so the runtime list cannot drift from the type.
 */
export function optionKeys<T extends object> (keys: { readonly [K in keyof Required<T>]: true }): ReadonlySet<string> {
  return new Set(Object.keys(keys))
}

/**
 * The option object as given, or `{}` when it was left out; refuses a value that is
 * not a plain object and any key outside `known`.
 * @throws {InvalidOptionsError} naming `where`, the key and its nearest known key
 */
export function checkOptionsObject<T extends object> (options: T | undefined, known: ReadonlySet<string>, where: string): T {
  if (options === undefined) return {} as T
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionsError(`${where} options must be an object; got ${describeValue(options)}`)
  }
  rejectUnknownKeys(options, known, where)
  return options
}
