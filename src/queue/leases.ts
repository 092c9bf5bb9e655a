/**
 * Leases: how long this instance may go on running each execution it took from the
 * queue, known from its own clock, so that it stops in time when it loses the job.
 *
 *   BullMQ Worker                          Leases                         engine
 *   moveToActive at T0 (lock PX L) ──▶ take: until T0 + L ─────────────▶ scheduler.lease
 *   extendJobLocks sent at T1 ──ok──▶ renewed: until T1 + L ──────────▶ (pump and worker
 *                              └fail─▶ lost ─────────────────────────▶   check it before
 *   timer, every L / 8: until < now ─▶ lost ─────────────────────────▶   each task)
 *
 * The lock in Redis is set after the time we read before sending, so a lease counted
 * from that time ends no later than the lock. A process that froze past it (SIGSTOP,
 * a long GC pause, a lost network) finds the lease over before it starts another task
 * of the execution: the scheduler and the workers compare the end with the clock, and
 * the execution is stopped as lost. The instance that took it over raised its fence in
 * storage first, so whatever the lost one still writes is refused there.
 */
import type { Worker } from 'bullmq'

/** Told when a lease ends without renewal: the execution must stop. */
type LeaseLost = (executionId: string, why: string) => void

// By job id, as BullMQ renews locks; the execution it runs (a schedule's run has an id of its own).
interface Held { executionId: string, until: number, moved: (until: number) => void }

// Less than the lock, by the clock drift between this process and Redis over one lock.
const kSkew = 0.98

export class Leases {
  readonly #lockDuration: number
  readonly #held = new Map<string, Held>()
  readonly #lost: LeaseLost
  readonly #timer: NodeJS.Timeout

  constructor (lockDuration: number, lost: LeaseLost) {
    this.#lockDuration = lockDuration
    this.#lost = lost
    this.#timer = setInterval(() => this.#check(), Math.max(25, Math.floor(lockDuration / 8)))
    this.#timer.unref()
  }

  /**
   * Watches a worker's renewals: its lock extensions are timed from when they are sent,
   * which BullMQ's `locksRenewed` event (fired after the answer) cannot tell.
   */
  watch (worker: Worker): void {
    const extend = worker.extendJobLocks.bind(worker)
    worker.extendJobLocks = async (jobIds: string[], tokens: string[], duration: number): Promise<string[]> => {
      const sent = Date.now()
      const failed = await extend(jobIds, tokens, duration)
      for (const id of jobIds) {
        if (failed.includes(id)) this.#end(id, 'its queue lock could not be renewed (another instance holds the job)')
        else this.#renew(id, sent + duration * kSkew)
      }
      return failed
    }
  }

  /** A job taken at `takenAt` (its processedOn) to run `executionId`: its lease ends a lock duration later. */
  take (jobId: string, executionId: string, takenAt: number, moved: (until: number) => void): number {
    const until = takenAt + this.#lockDuration * kSkew
    this.#held.set(jobId, { executionId, until, moved })
    return until
  }

  /** The end of a job's lease; undefined once it is lost or released. */
  until (jobId: string): number | undefined {
    return this.#held.get(jobId)?.until
  }

  release (jobId: string): void {
    this.#held.delete(jobId)
  }

  #renew (jobId: string, until: number): void {
    const held = this.#held.get(jobId)
    if (held === undefined || until <= held.until) return
    held.until = until
    held.moved(until)
  }

  #end (jobId: string, why: string): void {
    const held = this.#held.get(jobId)
    if (held === undefined) return
    this.#held.delete(jobId)
    this.#lost(held.executionId, why)
  }

  #check (): void {
    const at = Date.now()
    for (const [jobId, held] of this.#held) {
      if (held.until < at) this.#end(jobId, `its queue lock expired ${at - held.until} ms ago without renewal (the process froze or lost Redis)`)
    }
  }

  close (): void {
    clearInterval(this.#timer)
    this.#held.clear()
  }
}
