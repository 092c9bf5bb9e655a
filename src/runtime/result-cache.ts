/**
 * Cached task results on the main thread: keys, lookups, single flight, and the
 * entries a run leaves behind.
 *
 *   ready cached task ─▶ Execution's lookup queue ─▶ lookUp(exec): keys of every one,
 *        │                                            one storage read for them all
 *        │     another run of the same key in flight here ─▶ waits for it (follower)
 *        ▼
 *   cacheAnswered(exec, hits, misses) ─▶ hits succeed with the stored bytes, misses run
 *   succeeded(exec, i) ─▶ entry stored (one write per round), followers take it
 *   failed / stopped ───▶ the first follower runs instead
 *
 * Every storage call covers a round of tasks: no promise per task.
 */
import type { Logger } from 'pino'
import { EngineError, ErrorCodes } from '../errors.js'
import { kKeyed } from '../wire/batch-format.js'
import { isShared } from '../wire/values.js'
import { isCacheStorage, type CachedResult, type CacheFilter, type ResultCacheStorage } from '../storage/cache-storage.js'
import type { ExecutionStorage } from '../storage/storage.js'
import { taskIdentities, type TaskIdentities } from '../workflow/handler-identity.js'
import type { Plan } from '../workflow/planner.js'
import { CacheKeys, Scratch } from './cache-keys.js'
import type { Execution } from './execution.js'
import type { CacheStats } from '../stats.js'

/** Told what the cache answered for ready tasks of `exec`. */
export interface CacheListener {
  /** `hits[k]` takes `entries[k]`; `misses` run. */
  cacheAnswered (exec: Execution, hits: number[], entries: CachedResult[], misses: number[]): void
}

// One run of a key in this engine, and the tasks waiting for its result.
interface Flight { exec: Execution, task: number, followers: Array<Execution | number> }

export class ResultCache {
  readonly #store: ResultCacheStorage | null
  readonly #logger: Logger
  #listener: CacheListener | null = null
  readonly #identities = new WeakMap<Plan, TaskIdentities>()
  readonly #keys = new WeakMap<Execution, CacheKeys>()
  readonly #flights = new Map<string, Flight>()
  readonly #scratch = new Scratch()
  // Entries to store and waiting tasks to answer, gathered over one round of outcomes.
  #puts: CachedResult[] = []
  #answers: Array<{ exec: Execution, task: number, entry: CachedResult | null }> = []
  #flushing = false
  #hits = 0
  #misses = 0
  #stored = 0
  #unreadable = 0
  #writeFailures = 0

  constructor (storage: ExecutionStorage, logger: Logger) {
    this.#store = isCacheStorage(storage) ? storage : null
    this.#logger = logger
  }

  /** The scheduler, which applies answers. */
  listen (listener: CacheListener): void {
    this.#listener = listener
  }

  /**
   * At publish: the identity of each cached task of `plan` (its handler file is read and hashed now).
   * @throws {EngineError} CACHE_UNSUPPORTED when the storage keeps no cached results
   */
  async prepare (plan: Plan): Promise<void> {
    if (plan.cache === null) return
    if (this.#store === null) {
      const task = plan.ids[plan.cache.findIndex(c => c !== null)]
      throw new EngineError(ErrorCodes.CACHE_UNSUPPORTED, `workflow "${plan.workflow.id}": task "${task}" is cached, and this engine's storage keeps no cached results (it does not implement ResultCacheStorage)`)
    }
    this.#identities.set(plan, await taskIdentities(plan))
  }

  stats (): CacheStats {
    return { hits: this.#hits, misses: this.#misses, stored: this.#stored, unreadable: this.#unreadable, writeFailures: this.#writeFailures }
  }

  /** Removes stored entries (every one without a filter); resolves with how many. */
  async clear (filter?: CacheFilter): Promise<number> {
    if (this.#store === null) return 0
    await this.#flush()
    return this.#store.clearCachedResults(filter)
  }

  #keysOf (exec: Execution): CacheKeys {
    let keys = this.#keys.get(exec)
    if (keys === undefined) this.#keys.set(exec, keys = new CacheKeys(exec, this.#identities.get(exec.plan)!))
    return keys
  }

  /** Asks for the results of every cached task of `exec` waiting for the cache. */
  lookUp (exec: Execution): void {
    const keys = this.#keysOf(exec)
    const tasks: number[] = []
    const asked: string[] = []
    for (let i = exec.takeLookup(); i !== -1; i = exec.takeLookup()) {
      const key = keys.keys[i] = keys.keyOf(i, this.#scratch)
      const flight = this.#flights.get(key)
      if (flight !== undefined) {
        flight.followers.push(exec, i)
        continue
      }
      tasks.push(i)
      asked.push(key)
    }
    if (tasks.length === 0) return
    this.#store!.getCachedResults(asked, Date.now()).then(
      found => this.#answer(exec, keys, tasks, asked, found),
      (err: Error) => {
        this.#logger.warn({ err, executionId: exec.id }, 'cache read failed; the tasks run')
        this.#answer(exec, keys, tasks, asked, [])
      })
  }

  #answer (exec: Execution, keys: CacheKeys, tasks: number[], asked: string[], found: ReadonlyArray<CachedResult | string | undefined>): void {
    if (exec.status !== 'running') return
    const hits: number[] = []
    const entries: CachedResult[] = []
    const misses: number[] = []
    for (let k = 0; k < tasks.length; k++) {
      const entry = found[k]
      if (typeof entry === 'object') {
        this.#hits++
        hits.push(tasks[k])
        entries.push(entry)
        if (entry.digest !== null) keys.setDigest(tasks[k], entry.digest)
        continue
      }
      if (typeof entry === 'string') {
        this.#unreadable++
        this.#logger.warn({ executionId: exec.id, taskId: exec.taskIdOf(tasks[k]), key: asked[k] }, `cached result unreadable, so it runs again: ${entry}`)
      }
      // Another lookup of this key may have missed meanwhile: it leads, this one follows.
      const flight = this.#flights.get(asked[k])
      if (flight !== undefined) {
        flight.followers.push(exec, tasks[k])
        continue
      }
      this.#misses++
      this.#flights.set(asked[k], { exec, task: tasks[k], followers: [] })
      keys.leading.add(asked[k])
      misses.push(tasks[k])
    }
    this.#listener!.cacheAnswered(exec, hits, entries, misses)
  }

  /**
   * Task slot i of `exec` succeeded, with the digest its worker published (a view).
   * A cached task's output becomes an entry, and the tasks waiting for its key take it.
   */
  succeeded (exec: Execution, i: number, digest: Uint8Array): void {
    const keyed = exec.plan.keyed
    if (keyed === null || keyed[exec.template[i]] === 0) return
    const keys = this.#keysOf(exec)
    const t = exec.template[i]
    const taken = (keyed[t] & kKeyed.taken) !== 0
    if (taken) keys.setDigest(i, digest)
    const key = keys.keys[i]
    if (key === undefined || (keyed[t] & kKeyed.cached) === 0) return
    const bytes = exec.outputs.bytes(i)!
    const now = Date.now()
    const ttl = exec.plan.cache![t]!.ttl
    const entry: CachedResult = {
      key,
      // A small output is a view into the copy of its whole batch: kept alone. A large one is its worker's shared buffer.
      bytes: isShared(bytes) ? bytes : bytes.slice(),
      digest: taken ? keys.digest(i).slice() : null,
      workflowId: exec.workflowId,
      taskId: exec.plan.ids[t],
      createdAt: now,
      expiresAt: ttl === 0 ? 0 : now + ttl
    }
    this.#puts.push(entry)
    const flight = this.#flights.get(key)
    if (flight !== undefined && flight.exec === exec && flight.task === i) {
      this.#flights.delete(key)
      keys.leading.delete(key)
      const f = flight.followers
      for (let k = 0; k < f.length; k += 2) this.#answers.push({ exec: f[k] as Execution, task: f[k + 1] as number, entry })
    }
    this.#schedule()
  }

  /** Task slot i of `exec` failed for good: a task waiting for its key runs instead. */
  failed (exec: Execution, i: number): void {
    if (exec.plan.cache === null) return
    const key = this.#keys.get(exec)?.keys[i]
    if (key !== undefined) this.#abandon(exec, key)
  }

  /** `exec` was stopped: the runs it led are handed to tasks waiting for them. */
  stopped (exec: Execution): void {
    const keys = this.#keys.get(exec)
    if (keys === undefined) return
    for (const key of [...keys.leading]) this.#abandon(exec, key)
  }

  #abandon (exec: Execution, key: string): void {
    const flight = this.#flights.get(key)
    if (flight === undefined || flight.exec !== exec) return
    this.#keysOf(exec).leading.delete(key)
    const f = flight.followers
    let k = 0
    while (k < f.length && (f[k] as Execution).status !== 'running') k += 2
    if (k === f.length) {
      this.#flights.delete(key)
      return
    }
    flight.exec = f[k] as Execution
    flight.task = f[k + 1] as number
    flight.followers = f.slice(k + 2)
    this.#keysOf(flight.exec).leading.add(key)
    this.#answers.push({ exec: flight.exec, task: flight.task, entry: null })
    this.#schedule()
  }

  // Once per round of outcomes: the entries it made go to storage in one call, and the
  // waiting tasks are answered outside the settler's pass over a batch.
  #schedule (): void {
    if (this.#flushing) return
    this.#flushing = true
    queueMicrotask(() => { this.#flush().catch(() => {}) })
  }

  async #flush (): Promise<void> {
    this.#flushing = false
    const answers = this.#answers
    this.#answers = []
    for (let a = 0; a < answers.length; a++) {
      const { exec, task, entry } = answers[a]
      if (exec.status !== 'running') continue
      if (entry === null) {
        this.#misses++
        this.#listener!.cacheAnswered(exec, [], [], [task])
      } else {
        this.#hits++
        if (entry.digest !== null) this.#keysOf(exec).setDigest(task, entry.digest)
        this.#listener!.cacheAnswered(exec, [task], [entry], [])
      }
    }
    const puts = this.#puts
    if (puts.length === 0) return
    this.#puts = []
    try {
      await this.#store!.putCachedResults(puts)
      this.#stored += puts.length
    } catch (err) {
      this.#writeFailures += puts.length
      this.#logger.warn({ err, entries: puts.length }, 'cached results could not be stored; those tasks run again next time')
    }
  }
}
