/** The fan-in: a small, JSON-friendly report of the whole analysis. */
export default function report (input, ctx) {
  const { summary } = ctx.deps.reduce
  const ranked = ctx.deps['top-terms']
  const result = {
    documents: summary.documents,
    totalTokens: summary.tokens,
    vocabularySize: summary.vocabularySize,
    bigramTypes: summary.bigramTypes,
    documentLength: summary.documentLength,
    topTerms: ranked.terms,
    topBigrams: ranked.bigrams,
    topTfidf: ctx.deps.tfidf,
    checksum: summary.checksum
  }
  ctx.logger.info('report ready', { documents: result.documents, checksum: result.checksum })
  return result
}
