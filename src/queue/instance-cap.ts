/**
 * The cap on executions one instance runs at once, across the workflows it serves.
 * BullMQ's concurrency counts per Worker, one Worker per workflow: with two workflows and
 * concurrency 8 an instance could run 16. A job past the cap waits here, its lock renewed
 * by its Worker, and the Workers are paused meanwhile so that they fetch no more.
 */
export class InstanceCap {
  readonly #max: number
  readonly #waiting: Array<() => void> = []
  readonly #full: (full: boolean) => void
  #running = 0
  #paused = false

  /** `full` is told when the cap is reached (true) and when a place frees again (false). */
  constructor (max: number, full: (full: boolean) => void) {
    this.#max = max
    this.#full = full
  }

  /** Resolves when this job may run: at once while under the cap. */
  async acquire (): Promise<void> {
    if (this.#running < this.#max) {
      this.#take()
      return
    }
    await new Promise<void>(resolve => this.#waiting.push(resolve))
  }

  release (): void {
    const next = this.#waiting.shift()
    // The place goes straight to a job that waits: the count is unchanged.
    if (next !== undefined) return next()
    this.#running--
    if (this.#paused && this.#running < this.#max) {
      this.#paused = false
      this.#full(false)
    }
  }

  #take (): void {
    this.#running++
    if (!this.#paused && this.#running >= this.#max) {
      this.#paused = true
      this.#full(true)
    }
  }
}
