import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'

const kDefaultDir = new URL('../../../dist', import.meta.url).pathname

/** The files under `input.dir` ending in `input.ext`, sorted: the list the map runs over. */
export function list (input) {
  const dir = input?.dir ?? kDefaultDir
  const ext = input?.ext ?? '.js'
  const limit = input?.limit ?? Infinity
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile() && e.name.endsWith(ext))
    .map(e => join(e.parentPath ?? e.path, e.name))
    .sort()
  return files.slice(0, limit)
}

/** One file: its size, lines, identifier-like tokens and sha256. */
export function measure (input, ctx) {
  const file = ctx.deps.list
  const text = readFileSync(file, 'utf8')
  let lines = 1
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++
  const identifiers = text.match(/[A-Za-z_$][\w$]*/g)?.length ?? 0
  return { file, bytes: Buffer.byteLength(text), lines, identifiers, sha256: createHash('sha256').update(text).digest('hex') }
}

/** The same file compressed, after its own measure: gzip-9 and brotli-11 sizes. */
export function compress (input, ctx) {
  const m = ctx.deps.measure
  const data = readFileSync(m.file)
  const gzip = gzipSync(data, { level: 9 }).length
  const brotli = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: input?.brotliQuality ?? 11 } }).length
  return { ...m, gzip, brotli }
}

/** Totals over every file, and the largest one, in file order. */
export function merge (input, ctx) {
  const files = ctx.deps.compress
  const total = { files: files.length, bytes: 0, lines: 0, identifiers: 0, gzip: 0, brotli: 0 }
  let largest = null
  for (const f of files) {
    total.bytes += f.bytes
    total.lines += f.lines
    total.identifiers += f.identifiers
    total.gzip += f.gzip
    total.brotli += f.brotli
    if (largest === null || f.bytes > largest.bytes) largest = f
  }
  const digest = createHash('sha256')
  for (const f of files) digest.update(f.sha256)
  return { ...total, largest: largest?.file ?? null, digest: digest.digest('hex') }
}
