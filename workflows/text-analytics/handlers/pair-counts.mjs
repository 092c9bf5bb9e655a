/**
 * Counts of term-id pairs (bigrams), keyed by one packed number rather than by a string
 * built per occurrence. Any base above the number of distinct terms packs exactly; 2^18
 * covers the corpus's largest vocabulary, and with the default one keeps keys under 2^31,
 * where V8 stores them as small integers.
 */
const PAIR_BASE = 2 ** 18

/** @param {Map<number, number>} counts */
export function addPair (counts, first, second, n) {
  const key = first * PAIR_BASE + second
  counts.set(key, (counts.get(key) ?? 0) + n)
}

/**
 * Flattens counts to `[first, second, count, first, second, count, ...]`. A typed array
 * crosses threads as one block copy; a Map of 100k entries is serialised entry by entry,
 * which costs tens of milliseconds each way.
 * @param {Map<number, number>} counts
 * @returns {Uint32Array}
 */
export function toTriplets (counts) {
  const triplets = new Uint32Array(counts.size * 3)
  let i = 0
  for (const [key, n] of counts) {
    triplets[i++] = Math.floor(key / PAIR_BASE)
    triplets[i++] = key % PAIR_BASE
    triplets[i++] = n
  }
  return triplets
}
