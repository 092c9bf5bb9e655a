import type { Engine } from '../engine.js'
import type { ExecutionResult } from '../types.js'

/**
 * A one-line progress bar on a terminal (stderr), redrawn at most every 100 ms
 * from lifecycle events. Off when stderr is not a TTY.
 */
export class ProgressBar {
  readonly #stream = process.stderr
  readonly #total: number
  readonly #started = Date.now()
  #done = 0
  #failed = 0
  #last = ''
  #timer: NodeJS.Timeout | null = null

  constructor (engine: Engine, total: number) {
    this.#total = total
    if (!this.#stream.isTTY) return
    const settle = (failed: boolean) => () => { this.#done++; if (failed) this.#failed++ }
    engine.on('task.completed', settle(false))
    engine.on('task.failed', settle(true))
    engine.on('task.skipped', settle(true))
    this.#timer = setInterval(() => this.#draw(), 100)
  }

  #draw (): void {
    const width = 30
    const filled = Math.round(width * this.#done / this.#total)
    const secs = ((Date.now() - this.#started) / 1000).toFixed(1)
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${this.#total} tasks` +
      `${this.#failed > 0 ? `, ${this.#failed} failed` : ''}  ${secs}s`
    if (line === this.#last) return
    this.#last = line
    this.#stream.write(`\r${line}\x1b[K`)
  }

  /** Stops redrawing; with the result, the last frame shows its final counts. */
  stop (result?: ExecutionResult): void {
    if (this.#timer === null) return
    clearInterval(this.#timer)
    this.#timer = null
    if (result !== undefined) {
      // Events arrive a turn after execute() resolves: count from the result instead.
      const tasks = Object.values(result.tasks)
      this.#done = tasks.filter(t => t.status !== 'pending' && t.status !== 'running').length
      this.#failed = tasks.filter(t => t.status === 'failed' || t.status === 'skipped' || t.status === 'cancelled').length
    }
    this.#draw()
    this.#stream.write('\n')
  }
}
