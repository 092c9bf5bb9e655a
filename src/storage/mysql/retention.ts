/**
 * The retention side of MySQLStorage: its maintenance connection (whose session
 * holds the purge lease), `purge()` checked at the boundary, `stats()`, and the
 * background runs of the `retention` option. The work itself is in
 * mysql-maintenance (lease, partitions, order) and mysql-purge (executions).
 */
import { InvalidOptionsError } from '../../errors.js'
import { describeValue, rejectUnknownKeys } from '../../option-keys.js'
import type { ResolvedMySQLOptions } from './options.js'
import { ConnectionPool, type Session } from './pool.js'
import { Maintenance, retentionCuts, type MaintenanceTables, type PurgeCuts, type PurgeResult, type RetentionRun } from './maintenance.js'
import { readStats, type StorageStats } from './stats.js'
import { parseDuration, type Duration } from '../retention-options.js'
import { epochMs } from '../../query-options.js'

/** What `storage.purge()` removes: give `olderThan` or `before`. */
export interface PurgeOptions {
  /** Remove what is older than this age, e.g. `'7d'` (or ms). */
  olderThan?: Duration
  /** Remove what is older than this time: a Date or epoch ms. */
  before?: Date | number
  /**
   * Count what would be removed and change nothing.
   * @default false
   */
  dryRun?: boolean
}

const kPurgeKeys = Object.freeze(['olderThan', 'before', 'dryRun'])

/**
 * The one cut a purge applies to every table, in epoch ms.
 * @throws {InvalidOptionsError} unless exactly one of `olderThan` (a duration) and `before` (a Date or epoch ms) is given
 */
function purgeCut (options: PurgeOptions, now: number): { cut: number, dryRun: boolean } {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('purge() needs { olderThan } or { before }')
  rejectUnknownKeys(options, kPurgeKeys, 'purge()')
  const { olderThan, before, dryRun = false } = options
  if ((olderThan === undefined) === (before === undefined)) {
    throw new InvalidOptionsError('purge() needs exactly one of olderThan (a duration such as \'7d\') and before (a Date or epoch ms)')
  }
  const at = before === undefined ? undefined : epochMs('purge(): before', before)
  if (typeof dryRun !== 'boolean') throw new InvalidOptionsError('purge(): dryRun must be a boolean')
  return { cut: at ?? now - parseDuration(olderThan, 'purge(): olderThan'), dryRun }
}

/** Purges, statistics and the background retention of one MySQLStorage. */
export class MySQLRetention {
  readonly #options: ResolvedMySQLOptions
  readonly #pool: ConnectionPool
  readonly #maintenance: Maintenance
  readonly #timer: RetentionTimer | undefined
  readonly #init: () => Promise<void>

  /** @param init the storage's `init()`, awaited before any statement */
  constructor (options: ResolvedMySQLOptions, tables: MaintenanceTables, target: string, init: () => Promise<void>) {
    this.#options = options
    this.#init = init
    this.#pool = new ConnectionPool(options, {
      connectionLimit: 1, connectTimeout: options.connectTimeout, queryTimeout: options.queryTimeout, timeoutOption: 'queryTimeout', readOnly: options.readOnly
    }, target)
    this.#maintenance = new Maintenance(options.database, options.tablePrefix, tables)
    const retention = options.retention
    if (retention !== undefined) {
      this.#timer = new RetentionTimer(retention.interval, () => this.#purge(retentionCuts(retention, Date.now()), false))
    }
  }

  /** See MySQLStorage.purge. */
  async purge (options: PurgeOptions): Promise<PurgeResult> {
    const { cut, dryRun } = purgeCut(options, Date.now())
    return this.#purge({ executions: cut, logs: cut, spans: cut }, dryRun)
  }

  async #purge (cuts: PurgeCuts, dryRun: boolean): Promise<PurgeResult> {
    await this.#init()
    return this.#pool.use('purging history', session => this.#maintenance.purge(session, cuts, dryRun, Date.now()))
  }

  /** Day partitions ahead, on a session of the storage's (at init). Not fatal: a row without its day lands in pmax. */
  async upkeep (session: Session): Promise<void> {
    await this.#maintenance.upkeep(session, Date.now()).catch(() => {})
  }

  /** See MySQLStorage.stats; on `session`, a connection of the writer's pool. */
  stats (session: Session): Promise<StorageStats> {
    return readStats(session, this.#options.database, this.#options.tablePrefix)
  }

  /** The outcome of the last background run. */
  get last (): RetentionRun | undefined {
    return this.#timer?.last
  }

  /** Starts the background runs (when `retention` is set); called once the storage is initialised. */
  start (): void {
    this.#timer?.start()
  }

  /** Stops the background runs and ends the maintenance connection. */
  async close (): Promise<void> {
    this.#timer?.stop()
    await this.#pool.close()
  }
}

/**
 * Runs `run` every `interval` ms (the first at once) until stopped; the timer does
 * not keep the process alive. The outcome of each run is kept for `last`.
 */
class RetentionTimer {
  readonly #interval: number
  readonly #run: () => Promise<PurgeResult>
  #timer: NodeJS.Timeout | undefined
  #stopped = false
  #last: RetentionRun | undefined

  constructor (interval: number, run: () => Promise<PurgeResult>) {
    this.#interval = interval
    this.#run = run
  }

  /** The outcome of the last background run; undefined before the first ends. */
  get last (): RetentionRun | undefined {
    return this.#last
  }

  start (): void {
    if (this.#stopped || this.#timer !== undefined) return
    this.#schedule(0)
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  #schedule (delay: number): void {
    this.#timer = setTimeout(() => {
      this.#run().then(result => { this.#last = { at: Date.now(), result } }, (error: Error) => { this.#last = { at: Date.now(), error } })
        .finally(() => { if (!this.#stopped) this.#schedule(this.#interval) })
    }, delay)
    this.#timer.unref()
  }
}
