import { addPair, toTriplets } from './pair-counts.mjs'

const [LOWER_A, LOWER_Z, FULL_STOP, NEWLINE] = [0x61, 0x7a, 0x2e, 0x0a]

/**
 * Counts one shard of the corpus: documents `[shard * n / shards, (shard + 1) * n / shards)`,
 * with `params = { shard, shards }`. Tokenises the lower-cased text into runs of letters
 * and counts term frequencies, document frequencies, bigrams (never across a full stop)
 * and document lengths in tokens.
 *
 * Terms get ids in order of first appearance; the counts are typed arrays indexed by id,
 * and bigrams are id triplets (see pair-counts.mjs), so the output crosses threads as a
 * few block copies plus one array of term strings.
 * @returns {{ shard: number, documents: number, tokens: number, lengths: Uint32Array,
 *   terms: string[], tf: Uint32Array, df: Uint32Array, bigrams: Uint32Array }}
 */
export default function map (input, ctx) {
  const { shard, shards } = ctx.params
  const { documents, text: bytes, offsets } = ctx.deps.corpus
  const first = Math.floor((shard * documents) / shards)
  const last = Math.floor(((shard + 1) * documents) / shards)
  const text = new TextDecoder().decode(bytes.subarray(offsets[first], offsets[last])).toLowerCase()

  const ids = new Map()
  const terms = []
  const counts = []
  const docCounts = []
  const lastDoc = []
  const pairs = new Map()
  const lengths = new Uint32Array(last - first)
  let doc = 0
  let start = -1
  let previous = -1
  // Every document ends with a newline, so every token is closed inside the loop.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= LOWER_A && c <= LOWER_Z) {
      if (start < 0) start = i
      continue
    }
    if (start >= 0) {
      const term = text.slice(start, i)
      start = -1
      let id = ids.get(term)
      if (id === undefined) {
        id = terms.push(term) - 1
        ids.set(term, id)
        counts.push(0)
        docCounts.push(0)
        lastDoc.push(-1)
      }
      counts[id]++
      if (lastDoc[id] !== doc) {
        lastDoc[id] = doc
        docCounts[id]++
      }
      if (previous >= 0) addPair(pairs, previous, id, 1)
      previous = id
      lengths[doc]++
    }
    if (c === FULL_STOP) previous = -1
    else if (c === NEWLINE) {
      previous = -1
      doc++
    }
  }

  const tokens = counts.reduce((a, b) => a + b, 0)
  ctx.logger.debug('shard counted', { shard, documents: lengths.length, tokens, terms: terms.length })
  return {
    shard,
    documents: lengths.length,
    tokens,
    lengths,
    terms,
    tf: Uint32Array.from(counts),
    df: Uint32Array.from(docCounts),
    bigrams: toTriplets(pairs)
  }
}
