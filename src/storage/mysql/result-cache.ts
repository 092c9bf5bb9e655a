/**
 * Cached task results in MySQL (migration 010), shared by every instance on the
 * database: one row per key, a large output in parts (as outputs are in blobs:
 * each part its own prepared statement, the bytes a binary parameter). A read
 * checks what it assembled against the stored size and SHA-256: a missing part or
 * a changed byte makes that entry a miss, said in a sentence, never an error.
 *
 * Parts are written before their row, so a reader never finds a row whose parts
 * are still to come; an instance that dies between the two leaves parts without a
 * row, replaced by the next write of that key or removed by clear.
 */
import type { CachedResult, CacheFilter, CacheStats } from '../cache-storage.js'
import { digestOf } from '../../wire/digest.js'
import { epochMs } from '../../query-options.js'
import { partSize } from './blobs.js'
import type { Session } from './pool.js'
import type { Row } from './sql.js'

// Outputs from this size go in parts even when their row could hold them (see blobs.ts).
const kInlineMax = 64 * 1024
// Keys per SELECT.
const kKeysPerRead = 500

export interface CacheTables { cache: string, parts: string }

export class MySQLResultCache {
  readonly #t: CacheTables

  constructor (tables: CacheTables) {
    this.#t = tables
  }

  async get (session: Session, keys: readonly string[], now: number): Promise<Array<CachedResult | string | undefined>> {
    const out = new Array<CachedResult | string | undefined>(keys.length)
    const at = new Map<string, number>()
    for (let k = 0; k < keys.length; k++) at.set(keys[k], k)
    for (let from = 0; from < keys.length; from += kKeysPerRead) {
      const chunk = keys.slice(from, from + kKeysPerRead)
      const rows = await session.run(`SELECT cache_key, workflow_id, task_id, digest, size, output, output_parts, created_at, expires_at FROM ${this.#t.cache} ` +
        `WHERE cache_key IN (${chunk.map(() => '?').join(',')})`, chunk) as Row[]
      for (const row of rows) {
        const expiresAt = Number(row.expires_at)
        if (expiresAt !== 0 && expiresAt <= now) continue
        const key = row.cache_key as string
        const parts = Number(row.output_parts)
        const bytes = parts === 0 ? row.output as Uint8Array : await this.#assemble(session, key, parts)
        out[at.get(key)!] = typeof bytes === 'string' ? bytes : checked(row, key, bytes)
      }
    }
    return out
  }

  async #assemble (session: Session, key: string, parts: number): Promise<Uint8Array | string> {
    const rows = await session.run(`SELECT bytes FROM ${this.#t.parts} WHERE cache_key = ? AND part < ? ORDER BY part`, [key, parts]) as Row[]
    if (rows.length !== parts) return `${rows.length} of its ${parts} parts are in ${this.#t.parts}`
    return Buffer.concat(rows.map(r => r.bytes as Buffer))
  }

  async put (session: Session, entries: readonly CachedResult[], maxPacket: number): Promise<void> {
    const size = partSize(maxPacket)
    for (const e of entries) {
      const bytes = Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength)
      let parts = 0
      if (bytes.byteLength >= kInlineMax || bytes.byteLength > size) {
        for (let from = 0; from < bytes.byteLength; from += size) {
          await session.execute(`INSERT INTO ${this.#t.parts} (cache_key, part, bytes) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE bytes = VALUES(bytes)`,
            [e.key, parts++, bytes.subarray(from, from + size)])
        }
      }
      await session.execute(`INSERT INTO ${this.#t.cache} (cache_key, workflow_id, task_id, digest, size, output, output_parts, created_at, expires_at) ` +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE digest = VALUES(digest), size = VALUES(size), output = VALUES(output), ' +
        'output_parts = VALUES(output_parts), created_at = VALUES(created_at), expires_at = VALUES(expires_at)',
      // Hashed here only when its worker did not (nothing cached takes it): what a read checks.
      [e.key, e.workflowId, e.taskId, e.digest === null ? digestOf(bytes) : Buffer.from(e.digest), bytes.byteLength, parts === 0 ? bytes : Buffer.alloc(0), parts, e.createdAt, e.expiresAt])
    }
  }

  /** Removes the entries `filter` selects, with their parts (and parts left without a row). */
  async clear (session: Session, filter: CacheFilter = {}): Promise<number> {
    const where: string[] = []
    const params: unknown[] = []
    if (filter.workflowId !== undefined) { where.push('workflow_id = ?'); params.push(filter.workflowId) }
    if (filter.taskId !== undefined) { where.push('task_id = ?'); params.push(filter.taskId) }
    if (filter.before !== undefined) { where.push('created_at < ?'); params.push(epochMs('clearCachedResults(): before', filter.before)) }
    const cond = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`
    const [{ n }] = await session.run(`SELECT COUNT(*) AS n FROM ${this.#t.cache}${cond}`, params) as Row[]
    await session.run(`DELETE p FROM ${this.#t.parts} p JOIN ${this.#t.cache} c ON c.cache_key = p.cache_key${cond.replaceAll(/\b(workflow_id|task_id|created_at)\b/g, 'c.$1')}`, params)
    await session.run(`DELETE FROM ${this.#t.cache}${cond}`, params)
    if (where.length === 0) await session.run(`DELETE FROM ${this.#t.parts}`)
    return Number(n)
  }

  async stats (session: Session): Promise<CacheStats> {
    const [row] = await session.run(`SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM ${this.#t.cache}`) as Row[]
    return { entries: Number(row.n), bytes: Number(row.bytes) }
  }
}

// An entry whose bytes are what was stored: their size and SHA-256 match the row's.
function checked (row: Row, key: string, bytes: Uint8Array): CachedResult | string {
  const digest = row.digest as Buffer
  if (bytes.byteLength !== Number(row.size)) return `${bytes.byteLength} bytes read of the ${String(row.size)} stored`
  if (!digestOf(bytes).equals(digest)) return 'its bytes do not match their SHA-256'
  return {
    key,
    bytes,
    digest,
    workflowId: row.workflow_id as string,
    taskId: row.task_id as string,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at)
  }
}
