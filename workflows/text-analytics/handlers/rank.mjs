/**
 * Indices of the k best of `count` items, best first, where `better(i, j)` says item i
 * ranks above item j (ties must be broken, so the order never depends on input order).
 * Keeps a sorted array of k, so a pass over 200k bigrams costs O(n), not a full sort.
 */
function topK (count, k, better) {
  const top = []
  for (let item = 0; item < count; item++) {
    if (top.length === k && !better(item, top[k - 1])) continue
    let i = top.length === k ? k - 1 : top.length
    while (i > 0 && better(item, top[i - 1])) {
      top[i] = top[i - 1]
      i--
    }
    top[i] = item
  }
  return top
}

/**
 * The most frequent terms (`params.terms`, default 20) and bigrams (`params.bigrams`,
 * default 10); equal counts are ordered by term, bigrams by first then second term.
 */
export function topTerms (input, ctx) {
  const { terms, tf, bigrams: b } = ctx.deps.reduce
  const { terms: termCount = 20, bigrams: bigramCount = 10 } = ctx.params ?? {}
  const byCount = (i, j) => tf[i] > tf[j] || (tf[i] === tf[j] && terms[i] < terms[j])
  const byPairCount = (i, j) => {
    const [x, y] = [3 * i, 3 * j]
    if (b[x + 2] !== b[y + 2]) return b[x + 2] > b[y + 2]
    return terms[b[x]] < terms[b[y]] || (b[x] === b[y] && terms[b[x + 1]] < terms[b[y + 1]])
  }
  return {
    terms: topK(terms.length, termCount, byCount).map((i) => ({ term: terms[i], count: tf[i] })),
    bigrams: topK(b.length / 3, bigramCount, byPairCount)
      .map((i) => ({ bigram: `${terms[b[3 * i]]} ${terms[b[3 * i + 1]]}`, count: b[3 * i + 2] }))
  }
}

/**
 * Terms ranked by corpus-level tf-idf, `tf * ln(N / df)`: frequent, but concentrated in
 * few documents. Terms that occur in every document score zero.
 */
export function tfidf (input, ctx) {
  const { terms, tf, df, summary } = ctx.deps.reduce
  const count = ctx.params?.terms ?? 20
  const scores = Float64Array.from(tf, (n, i) => n * Math.log(summary.documents / df[i]))
  const byScore = (i, j) => scores[i] > scores[j] || (scores[i] === scores[j] && terms[i] < terms[j])
  return topK(terms.length, count, byScore)
    .map((i) => ({ term: terms[i], score: Math.round(scores[i] * 100) / 100, df: df[i] }))
}
