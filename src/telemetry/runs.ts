/**
 * A column of values that come in runs (rows of one execution, one after another),
 * kept as one entry per run rather than one per row. Reading is fastest in row order:
 * the run found last is tried first.
 */
export class Runs<T> {
  readonly #values: T[] = []
  // Run r covers rows ends[r - 1] (0 for the first) to ends[r].
  readonly #ends: number[] = []
  #last = 0

  /** Rows up to `end` (exclusive) are `value`'s: the last run grows, or a new one starts. */
  extend (value: T, end: number): void {
    const last = this.#values.length - 1
    if (last >= 0 && this.#values[last] === value) {
      this.#ends[last] = end
    } else {
      this.#values.push(value)
      this.#ends.push(end)
    }
  }

  /** The value of row `k` (which must be below the last end). */
  at (k: number): T {
    const ends = this.#ends
    let r = this.#last
    if (r >= ends.length || k >= ends[r] || (r > 0 && k < ends[r - 1])) {
      // The first run that ends past k.
      let lo = 0
      let hi = ends.length - 1
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (ends[mid] > k) hi = mid
        else lo = mid + 1
      }
      r = this.#last = lo
    }
    return this.#values[r]
  }
}
