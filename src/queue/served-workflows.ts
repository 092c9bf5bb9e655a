/**
 * Which workflows live instances serve, for submitters to refuse an execution that
 * nothing would take (WORKFLOW_NOT_SERVED) rather than let it wait for ever.
 *
 *   instance: every kRefresh ms ─▶ ZADD <prefix>:<name>:gt:served:<workflow> <now + kTtl> <instance id>
 *   submit:   ZCOUNT ... <now> +inf  ──▶ 0: no live instance serves it
 *
 * An instance that dies stops refreshing, and its entry counts for no one once its
 * time is past (the key itself expires when every instance is gone).
 */
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { QueueNames } from './wire.js'

/** How long an advertisement lasts without refresh, ms. */
const kServedTtl = 15_000
const kRefresh = 5_000

export class ServedWorkflows {
  readonly #redis: Redis
  readonly #names: QueueNames
  readonly #workflowIds: readonly string[]
  readonly #instanceId: string
  readonly #logger: Logger
  #timer: NodeJS.Timeout | null = null

  constructor (redis: Redis, names: QueueNames, workflowIds: readonly string[], instanceId: string, logger: Logger) {
    this.#redis = redis
    this.#names = names
    this.#workflowIds = workflowIds
    this.#instanceId = instanceId
    this.#logger = logger
  }

  async start (): Promise<void> {
    await this.#advertise()
    this.#timer = setInterval(() => {
      this.#advertise().catch(err => this.#logger.debug({ err }, 'could not advertise the served workflows; will try again'))
    }, kRefresh)
    this.#timer.unref()
  }

  async #advertise (): Promise<void> {
    const until = Date.now() + kServedTtl
    const multi = this.#redis.multi()
    for (const id of this.#workflowIds) {
      const key = this.#names.servedKey(id)
      multi.zadd(key, until, this.#instanceId).zremrangebyscore(key, '-inf', Date.now() - kServedTtl).pexpire(key, kServedTtl * 2)
    }
    await multi.exec()
  }

  /** Stops advertising: a draining or closing instance takes nothing new. */
  async close (): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    const multi = this.#redis.multi()
    for (const id of this.#workflowIds) multi.zrem(this.#names.servedKey(id), this.#instanceId)
    await multi.exec().catch(() => {})
  }
}
