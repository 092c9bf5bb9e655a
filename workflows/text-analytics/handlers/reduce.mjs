import { fnv1a, fnv1aText, toHex32 } from '../../shared/checksum.mjs'
import { addPair, toTriplets } from './pair-counts.mjs'

/**
 * Merges the shards' counts (its dependencies are exactly the map tasks) into one term
 * table: `terms[id]` with `tf[id]` and `df[id]`, bigrams as triplets of those ids, and a
 * small `summary` for the report.
 *
 * The checksum covers every term's count in term order and every document length in
 * document order, so it is independent of the number of shards and of their timing.
 */
export default function reduce (input, ctx) {
  const shards = Object.values(ctx.deps).sort((a, b) => a.shard - b.shard)
  const ids = new Map()
  const terms = []
  const tf = []
  const df = []
  const pairs = new Map()
  const lengths = new Uint32Array(shards.reduce((n, s) => n + s.documents, 0))
  let tokens = 0
  let offset = 0
  for (const shard of shards) {
    // The shard's term ids, translated to ours.
    const global = shard.terms.map((term) => {
      let id = ids.get(term)
      if (id === undefined) {
        id = terms.push(term) - 1
        ids.set(term, id)
        tf.push(0)
        df.push(0)
      }
      return id
    })
    for (let i = 0; i < global.length; i++) {
      tf[global[i]] += shard.tf[i]
      df[global[i]] += shard.df[i]
    }
    const b = shard.bigrams
    for (let i = 0; i < b.length; i += 3) addPair(pairs, global[b[i]], global[b[i + 1]], b[i + 2])
    lengths.set(shard.lengths, offset)
    offset += shard.documents
    tokens += shard.tokens
  }

  let hash = fnv1a(new Uint8Array(lengths.buffer))
  for (const id of terms.map((_, id) => id).sort((a, b) => (terms[a] < terms[b] ? -1 : 1))) {
    hash = fnv1aText(`${terms[id]}:${tf[id]}\n`, hash)
  }
  let min = Infinity
  let max = 0
  for (const n of lengths) {
    if (n < min) min = n
    if (n > max) max = n
  }
  const summary = {
    documents: lengths.length,
    tokens,
    vocabularySize: terms.length,
    bigramTypes: pairs.size,
    documentLength: { min, max, mean: Math.round((tokens / lengths.length) * 100) / 100 },
    checksum: toHex32(hash)
  }
  ctx.logger.info('counts merged', { shards: shards.length, ...summary })
  return { summary, terms, tf: Uint32Array.from(tf), df: Uint32Array.from(df), bigrams: toTriplets(pairs) }
}
