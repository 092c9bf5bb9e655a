/**
 * Statistics for comparing two sets of samples, with no assumption about their
 * distribution (latencies are skewed, with long tails on a busy machine):
 *
 *   Mann-Whitney U   is one set shifted against the other? (two-sided p, normal
 *                    approximation with the tie correction; fine beyond ~10 samples each)
 *   Hodges-Lehmann   how far: the median of all pairwise differences, with its
 *                    distribution-free confidence interval (Moses) at a chosen level
 */

// Pairwise differences grow as n x m: thin each side to a quantile sample of this size.
const kMaxPerSide = 400

/** Two-sided p-value of the Mann-Whitney U test that `b` and `a` come from the same distribution; both need two samples. */
export function rankTestP (a: readonly number[], b: readonly number[]): number {
  return mannWhitneyP(thin(a), thin(b))
}

function thin (values: readonly number[]): number[] {
  const sorted = [...values].sort((p, q) => p - q)
  if (sorted.length <= kMaxPerSide) return sorted
  const step = sorted.length / kMaxPerSide
  return Array.from({ length: kMaxPerSide }, (_, i) => sorted[Math.floor(i * step + step / 2)])
}

/** Two-sided p-value that `x` and `y` come from the same distribution. */
function mannWhitneyP (x: readonly number[], y: readonly number[]): number {
  const n1 = x.length
  const n2 = y.length
  const all = [...x.map(v => ({ v, first: true })), ...y.map(v => ({ v, first: false }))].sort((p, q) => p.v - q.v)
  const n = all.length
  let rankSum = 0
  let tieTerm = 0
  for (let i = 0; i < n;) {
    let j = i
    while (j + 1 < n && all[j + 1].v === all[i].v) j++
    const rank = (i + j) / 2 + 1
    const t = j - i + 1
    tieTerm += t * t * t - t
    for (let k = i; k <= j; k++) if (all[k].first) rankSum += rank
    i = j + 1
  }
  const u = rankSum - n1 * (n1 + 1) / 2
  const mean = n1 * n2 / 2
  const variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
  if (variance <= 0) return 1
  const z = Math.max(0, Math.abs(u - mean) - 0.5) / Math.sqrt(variance)
  return Math.min(1, 2 * (1 - normalCdf(z)))
}

/** A shift and its confidence interval, or no interval where the samples are too few for the level. */
export interface ShiftInterval {
  shift: number
  /** -Infinity when too few samples to bound it at the level asked. */
  low: number
  /** +Infinity when too few samples to bound it at the level asked. */
  high: number
  /** Whether the samples were enough to bound the shift at all at that level. */
  bounded: boolean
}

/**
 * Hodges-Lehmann shift of `y` against `x` with its distribution-free interval (Moses),
 * each end holding with probability 1 - `alphaPerSide`: the interval is the (1 - 2 x
 * alphaPerSide) one, and "the low end is above d" is the one-sided rank test of "the shift
 * is at most d" at level alphaPerSide. Where n x m pairs are too few for any pair to lie
 * outside the interval, the ends are infinite and `bounded` is false.
 */
export function shiftInterval (x: readonly number[], y: readonly number[], alphaPerSide: number): ShiftInterval {
  const n = x.length
  const m = y.length
  if (n === 0 || m === 0) return { shift: NaN, low: -Infinity, high: Infinity, bounded: false }
  const diffs = new Float64Array(n * m)
  let k = 0
  for (const yi of y) for (const xi of x) diffs[k++] = yi - xi
  diffs.sort()
  const total = diffs.length
  const shift = total % 2 === 1 ? diffs[(total - 1) / 2] : (diffs[total / 2 - 1] + diffs[total / 2]) / 2
  const cut = pairsOutside(n, m, alphaPerSide)
  if (cut < 0) return { shift, low: -Infinity, high: Infinity, bounded: false }
  return { shift, low: diffs[cut], high: diffs[total - 1 - cut], bounded: true }
}

/**
 * Pairwise differences left below the low end of the interval (and above the high end):
 * the rank statistic's alphaPerSide quantile, less the continuity half. Negative when
 * n x m pairs are too few to bound the shift at that level.
 */
export function pairsOutside (n: number, m: number, alphaPerSide: number): number {
  return Math.floor(n * m / 2 - normalQuantile(1 - alphaPerSide) * Math.sqrt(n * m * (n + m + 1) / 12) - 0.5)
}

/** Inverse of the standard normal CDF, by bisection (60 halvings: exact to double precision here). */
export function normalQuantile (q: number): number {
  let lo = -40
  let hi = 40
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2
    if (normalCdf(mid) < q) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** Standard normal CDF (Abramowitz and Stegun 26.2.17, error below 7.5e-8). */
function normalCdf (z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z))
  const poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))))
  const tail = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI) * poly
  return z >= 0 ? 1 - tail : tail
}

/** The smallest value (Infinity for none), by a loop: a spread of many thousand samples overflows the stack. */
export function minOf (values: readonly number[]): number {
  let min = Infinity
  for (const v of values) if (v < min) min = v
  return min
}

/** Median of sorted or unsorted values. */
export function median (values: readonly number[]): number {
  const s = [...values].sort((p, q) => p - q)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
