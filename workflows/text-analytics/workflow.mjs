import { createWorkflow } from 'graph-task'

/**
 * Text analytics as map-reduce: a generated corpus is counted in four shards in parallel,
 * the counts are merged, ranked two ways, and reported.
 *
 *            ┌─ map-0 ─┐
 *            ├─ map-1 ─┤           ┌─ top-terms ─┐
 *   corpus ──┤         ├─ reduce ──┼─ tfidf ─────┼─ report
 *            ├─ map-2 ─┤           └─────────────┘
 *            └─ map-3 ─┘
 *
 * Execution input: `{ documents = 2000, wordsPerDoc = 200, vocabulary = 5000, seed = 42 }`.
 */
const SHARDS = 4
const handler = (path) => new URL(`./handlers/${path}`, import.meta.url)
const mapIds = Array.from({ length: SHARDS }, (_, shard) => `map-${shard}`)

let builder = createWorkflow('text-analytics')
  .setDescription('Seeded Zipf corpus, tokenised and counted in 4 shards, merged and ranked by frequency and tf-idf')
  .setVersion('1.0.0')
  .addTask('corpus', { name: 'Generate corpus', handler: handler('corpus.mjs') })
for (const [shard, id] of mapIds.entries()) {
  builder = builder.addTask(id, {
    name: `Count shard ${shard + 1}/${SHARDS}`,
    handler: handler('map.mjs'),
    dependsOn: ['corpus'],
    input: { shard, shards: SHARDS }
  })
}

export default builder
  .addTask('reduce', { name: 'Merge counts', handler: handler('reduce.mjs'), dependsOn: mapIds })
  .addTask('top-terms', { name: 'Top terms and bigrams', handler: handler('rank.mjs#topTerms'), dependsOn: ['reduce'], input: { terms: 20, bigrams: 10 } })
  .addTask('tfidf', { name: 'Top terms by tf-idf', handler: handler('rank.mjs#tfidf'), dependsOn: ['reduce'], input: { terms: 20 } })
  .addTask('report', { name: 'Report', handler: handler('report.mjs'), dependsOn: ['reduce', 'top-terms', 'tfidf'] })
  .build()
