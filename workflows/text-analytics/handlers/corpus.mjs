import { mulberry32 } from '../../shared/prng.mjs'
import { readInt } from '../../shared/input.mjs'

// The vocabulary is the same for every execution; `input.seed` only changes the text.
const VOCABULARY_SEED = 0x5eed
const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'z',
  'br', 'ch', 'cl', 'dr', 'fl', 'gr', 'pl', 'pr', 'sh', 'st', 'th', 'tr']
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou']
const CODAS = ['', '', '', 'n', 'r', 's', 'l', 'm', 'st', 'nd', 'th']
const TOPICS = 8
const TOPIC_SHARE = 0.3
const [SPACE, COMMA, FULL_STOP, NEWLINE] = [0x20, 0x2c, 0x2e, 0x0a]

/** Distinct pronounceable words, shortest first: the most frequent rank gets the shortest. */
function makeVocabulary (size) {
  const rand = mulberry32(VOCABULARY_SEED)
  const pick = (list) => list[Math.floor(rand() * list.length)]
  const words = new Set()
  while (words.size < size) {
    const syllables = 1 + Math.floor(rand() * rand() * 4)
    let word = ''
    for (let s = 0; s < syllables; s++) word += pick(ONSETS) + pick(VOWELS) + pick(CODAS)
    words.add(word)
  }
  // Frequent words are short in natural language (Zipf's law of abbreviation). The sort
  // is stable, so words of one length keep their random order.
  return [...words].sort((a, b) => a.length - b.length)
}

/**
 * Zipf-Mandelbrot sampler over ranks 0..size-1: rank k is drawn with weight
 * 1 / (k + 1 + 2.7)^1.07, roughly the shape of English word frequencies.
 * Inverse CDF by binary search.
 */
function zipfSampler (size) {
  const cdf = new Float64Array(size)
  let total = 0
  for (let k = 0; k < size; k++) cdf[k] = total += 1 / (k + 1 + 2.7) ** 1.07
  return function sample (rand) {
    const u = rand() * total
    let lo = 0
    let hi = size - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

function grow (bytes) {
  const bigger = new Uint8Array(bytes.length * 2)
  bigger.set(bytes)
  return bigger
}

/**
 * Writes a corpus of `input.documents` documents of about `input.wordsPerDoc` words each
 * (uniformly 0.5x to 1.5x), in capitalised sentences with commas and full stops, one
 * document a line.
 *
 * Each document has one of TOPICS topics and draws TOPIC_SHARE of its words from that
 * topic's own words, so that tf-idf has terms concentrated in few documents to find.
 *
 * The text travels as one UTF-8 buffer with document offsets rather than an array of
 * strings: a typed array crosses threads as one copy (or a transfer), and each shard
 * decodes only its own slice.
 *
 * Input: `{ documents = 2000, wordsPerDoc = 200, vocabulary = 5000, seed = 42 }`.
 * @returns {{ documents: number, text: Uint8Array, offsets: Uint32Array }}
 */
export default function corpus (input, ctx) {
  const documents = readInt(input, 'documents', { default: 2000, min: 1, max: 1_000_000 })
  const wordsPerDoc = readInt(input, 'wordsPerDoc', { default: 200, min: 1, max: 100_000 })
  const vocabularySize = readInt(input, 'vocabulary', { default: 5000, min: 10, max: 200_000 })
  const seed = readInt(input, 'seed', { default: 42, min: 0, max: 2 ** 32 - 1 })
  const vocabulary = makeVocabulary(vocabularySize)
  // Every word in one buffer, word r at [starts[r], starts[r + 1]): the corpus is written
  // as UTF-8 bytes straight away, not as strings to be joined and encoded.
  const pool = new TextEncoder().encode(vocabulary.join(''))
  const starts = new Uint32Array(vocabularySize + 1)
  vocabulary.forEach((word, r) => { starts[r + 1] = starts[r] + word.length })
  const room = vocabulary.at(-1).length + 3 // the longest word, its ", " or ". ", a newline
  // Topic t owns the ranks topicBase + t, topicBase + t + TOPICS, ...: mid-frequency words.
  const topicBase = Math.min(100, Math.floor(vocabularySize / 10))
  const perTopic = Math.floor((vocabularySize - topicBase) / TOPICS)
  const sampleWord = zipfSampler(vocabularySize)
  const sampleTopicWord = zipfSampler(perTopic)
  const rand = mulberry32(seed)

  let bytes = new Uint8Array(Math.min(documents * wordsPerDoc * 8, 1 << 26))
  let length = 0
  const offsets = new Uint32Array(documents + 1)
  for (let d = 0; d < documents; d++) {
    const topic = Math.floor(rand() * TOPICS)
    const count = Math.max(1, Math.round(wordsPerDoc * (0.5 + rand())))
    let inSentence = 0
    for (let w = 0; w < count; w++) {
      if (length + room > bytes.length) bytes = grow(bytes)
      const rank = rand() < TOPIC_SHARE ? topicBase + topic + TOPICS * sampleTopicWord(rand) : sampleWord(rand)
      // Vocabulary words are lower-case ASCII: minus 32 makes the capital.
      bytes[length++] = inSentence++ === 0 ? pool[starts[rank]] - 32 : pool[starts[rank]]
      for (let i = starts[rank] + 1; i < starts[rank + 1]; i++) bytes[length++] = pool[i]
      if (w === count - 1) {
        bytes[length++] = FULL_STOP
      } else if (inSentence >= 6 && rand() < 0.15) {
        bytes[length++] = FULL_STOP
        bytes[length++] = SPACE
        inSentence = 0
      } else {
        if (rand() < 0.08) bytes[length++] = COMMA
        bytes[length++] = SPACE
      }
    }
    bytes[length++] = NEWLINE
    offsets[d + 1] = length
  }
  const text = bytes.slice(0, length)
  ctx.logger.info('corpus generated', { documents, bytes: text.length, vocabulary: vocabularySize })
  return { documents, text, offsets }
}
