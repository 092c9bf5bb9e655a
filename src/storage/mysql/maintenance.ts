/**
 * Retention of MySQLStorage: purges and partition upkeep under a lease, so that
 * one instance at a time does them, and the background timer of the `retention` option.
 *
 *   instance A ─ GET_LOCK(lease, 0) = 1 ─▶ create day partitions ahead
 *                                          drop day partitions past the cut (spans, logs)
 *                                          purge executions in short transactions
 *                                          RELEASE_LOCK
 *   instance B ─ GET_LOCK(lease, 0) = 0 ─▶ { ran: false }: A is at it
 *
 * The lease is a named lock held by the maintenance connection's session: the
 * server releases it if that session dies, so a crashed instance never blocks
 * the others. DDL runs with a short lock_wait_timeout: a partition drop that
 * would wait behind a long transaction gives up (and runs next time) rather than
 * queue the writers behind its metadata lock.
 */
import { createHash } from 'node:crypto'
import type { Session } from './pool.js'
import type { Row } from './sql.js'
import type { ResolvedRetention } from '../retention-options.js'
import { createAhead, dropPartitions, partitionsBefore, readPartitions } from './partitions.js'
import { purgeExecutions, type ExecutionsRemoved, type PurgeTables } from './purge.js'

/** What a purge removed (in a dry run: would remove), per table. */
export interface PurgeResult {
  /** False when another instance held the purge lease: nothing was done. */
  ran: boolean
  dryRun: boolean
  /** The cut applied to each table, in epoch ms: what is older goes. Absent for a table kept forever. */
  cut: { executions?: number, logs?: number, spans?: number }
  /**
   * Rows removed per table. Exact for the tables of executions; for spans and logs,
   * InnoDB's estimate of the rows in the partitions dropped (counting them exactly
   * would read every row that dropping them avoids reading).
   */
  removed: ExecutionsRemoved & {
    logs: number
    spans: number
    /** Cached task results made before the executions' cut (their parts go with them). */
    cachedResults: number
  }
  /** Day partitions dropped, by name (pYYYYMMDD). */
  partitionsDropped: { logs: string[], spans: string[] }
  /** Day partitions created ahead by the same run. */
  partitionsCreated: { logs: string[], spans: string[] }
}

/** Cuts per table, in epoch ms. */
export type PurgeCuts = PurgeResult['cut']

/** The tables of one storage, quoted and bare (information_schema wants the bare names). */
export interface MaintenanceTables extends PurgeTables { logs: string, spans: string, cache: string, cacheParts: string }

/** How the last background run ended. */
export interface RetentionRun {
  /** When it ended, epoch ms. */
  at: number
  result?: PurgeResult
  error?: Error
}

// Seconds a partition change may wait for the metadata lock before it gives up.
const kDdlLockWait = 5

/** Purges, upkeep and the background runs of one storage. */
export class Maintenance {
  readonly #database: string
  readonly #prefix: string
  readonly #tables: MaintenanceTables
  readonly #lease: string

  constructor (database: string, prefix: string, tables: MaintenanceTables) {
    this.#database = database
    this.#prefix = prefix
    this.#tables = tables
    // GET_LOCK names are at most 64 characters: hash the database and prefix.
    this.#lease = 'graph-task:purge:' + createHash('sha256').update(`${database}\0${prefix}`).digest('hex').slice(0, 40)
  }

  /**
   * Takes the lease without waiting and runs `work` under it; undefined when another
   * session holds it.
   */
  async #leased<T> (session: Session, work: () => Promise<T>): Promise<T | undefined> {
    const [got] = await session.run('SELECT GET_LOCK(?, 0) AS got', [this.#lease]) as Row[]
    if (Number(got.got) !== 1) return undefined
    try {
      return await work()
    } finally {
      await session.run('SELECT RELEASE_LOCK(?)', [this.#lease]).catch(() => {})
    }
  }

  /** Creates the day partitions ahead of `now`, unless another instance is at it. Resolves with those created. */
  async upkeep (session: Session, now: number): Promise<PurgeResult['partitionsCreated']> {
    return await this.#leased(session, () => this.#createAhead(session, now)) ?? { logs: [], spans: [] }
  }

  async #createAhead (session: Session, now: number): Promise<PurgeResult['partitionsCreated']> {
    return await ddl(session, async () => ({
      logs: await createAhead(session, this.#tables.logs, await this.#partitions(session, 'logs'), now),
      spans: await createAhead(session, this.#tables.spans, await this.#partitions(session, 'spans'), now)
    }))
  }

  /**
   * Under the lease: creates partitions ahead, drops the day partitions of spans and
   * logs wholly older than their cut, and removes the executions older than theirs.
   * In a dry run, counts instead and changes nothing.
   */
  async purge (session: Session, cuts: PurgeCuts, dryRun: boolean, now: number): Promise<PurgeResult> {
    const result: PurgeResult = {
      ran: false,
      dryRun,
      cut: cuts,
      removed: { executions: 0, taskResults: 0, blobs: 0, retryRecords: 0, logs: 0, spans: 0, cachedResults: 0 },
      partitionsDropped: { logs: [], spans: [] },
      partitionsCreated: { logs: [], spans: [] }
    }
    const ran = await this.#leased(session, async () => {
      if (!dryRun) result.partitionsCreated = await this.#createAhead(session, now)
      for (const kind of ['spans', 'logs'] as const) {
        const cut = cuts[kind]
        if (cut === undefined) continue
        const past = partitionsBefore(await this.#partitions(session, kind), cut)
        const names = past.map(p => p.name)
        // InnoDB's estimate: counting exactly would read every row the drop avoids reading.
        result.removed[kind] = past.reduce((n, p) => n + p.rows, 0)
        if (!dryRun) await ddl(session, () => dropPartitions(session, this.#tables[kind], names))
        result.partitionsDropped[kind] = names
      }
      if (cuts.executions !== undefined) {
        Object.assign(result.removed, await purgeExecutions(session, this.#tables, cuts.executions, dryRun))
        result.removed.cachedResults = await this.#purgeCache(session, cuts.executions, dryRun)
      }
      return true
    })
    result.ran = ran === true
    return result
  }

  // Cached results live as long as the history they came from: those made before the
  // executions' cut go, parts first (a reader takes a row without all its parts for a miss).
  async #purgeCache (session: Session, cut: number, dryRun: boolean): Promise<number> {
    const { cache, cacheParts } = this.#tables
    if (dryRun) {
      const [{ n }] = await session.run(`SELECT COUNT(*) AS n FROM ${cache} WHERE created_at < ?`, [cut]) as Row[]
      return Number(n)
    }
    await session.run(`DELETE p FROM ${cacheParts} p JOIN ${cache} c ON c.cache_key = p.cache_key WHERE c.created_at < ?`, [cut])
    return (await session.run(`DELETE FROM ${cache} WHERE created_at < ?`, [cut]) as { affectedRows: number }).affectedRows
  }

  #partitions (session: Session, kind: 'logs' | 'spans'): ReturnType<typeof readPartitions> {
    return readPartitions(session, this.#database, `${this.#prefix}${kind}`)
  }
}

/** The cuts of a retention setting at `now`. */
export function retentionCuts (retention: ResolvedRetention, now: number): PurgeCuts {
  const cuts: PurgeCuts = {}
  for (const kind of ['executions', 'logs', 'spans'] as const) {
    const age = retention[kind]
    if (age !== undefined) cuts[kind] = now - age
  }
  return cuts
}

// Partition changes wait at most kDdlLockWait s for their metadata lock (see the header).
async function ddl<T> (session: Session, work: () => Promise<T>): Promise<T> {
  await session.run(`SET SESSION lock_wait_timeout = ${kDdlLockWait}`)
  try {
    return await work()
  } finally {
    await session.run('SET SESSION lock_wait_timeout = DEFAULT').catch(() => {})
  }
}
