import type { Engine } from '../engine.js'
import type { ExecutionResult } from '../types.js'

type Write = typeof process.stdout.write

/**
 * A one-line progress bar on a terminal (stderr), redrawn at most every 100 ms from
 * lifecycle events. Off when stderr is not a TTY.
 *
 * Anything else written to the terminal while the bar is live (the command's own lines,
 * and handlers' console.log: a worker thread's stdout and stderr are piped into this
 * thread's process.stdout and process.stderr) is printed above the bar: the bar's line is
 * cleared, the text written, and the bar drawn again below it.
 */
export class ProgressBar {
  readonly #stream = process.stderr
  readonly #write: Write = process.stderr.write
  readonly #total: number
  readonly #started = Date.now()
  readonly #restore: Array<() => void> = []
  #done = 0
  #failed = 0
  #cancelled = 0
  #last = ''
  // The bar's line is on screen: a write from elsewhere must clear it first.
  #shown = false
  // Text from elsewhere ended mid-line: the bar waits for the rest of the line.
  #partial = false
  #timer: NodeJS.Timeout | null = null

  constructor (engine: Engine, total: number) {
    this.#total = total
    if (this.#stream.isTTY !== true) return
    engine.on('task.completed', () => { this.#done++ })
    engine.on('task.failed', event => {
      this.#done++
      if (event.error.code === 'CANCELLED') this.#cancelled++
      else this.#failed++
    })
    engine.on('task.skipped', () => { this.#done++; this.#failed++ })
    this.#route(process.stdout)
    this.#route(process.stderr)
    this.#timer = setInterval(() => this.#draw(), 100)
    this.#draw()
  }

  /** Writes that reach the terminal go above the bar. */
  #route (stream: NodeJS.WriteStream): void {
    if (stream.isTTY !== true) return
    const original = stream.write
    const bar = this.#stream
    // A wrapper on the instance, not the prototype: Writable.pipe (the workers' stdio) calls dest.write.
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (this.#shown) {
        this.#write.call(bar, '\r\x1b[K')
        this.#shown = false
      }
      const ok = (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest)
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1')
      if (text.length > 0) this.#partial = !text.endsWith('\n')
      if (!this.#partial) this.#draw(true)
      return ok
    }) as Write
    this.#restore.push(() => { stream.write = original })
  }

  #draw (force = false): void {
    if (this.#partial) return
    const width = 30
    const filled = Math.round(width * this.#done / this.#total)
    const secs = ((Date.now() - this.#started) / 1000).toFixed(1)
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${this.#total} tasks` +
      `${this.#failed > 0 ? `, ${this.#failed} failed` : ''}${this.#cancelled > 0 ? `, ${this.#cancelled} cancelled` : ''}  ${secs}s`
    if (line === this.#last && this.#shown && !force) return
    this.#last = line
    this.#shown = true
    this.#write.call(this.#stream, `\r${line}\x1b[K`)
  }

  /** Stops redrawing; with the result, the last frame shows its final counts. */
  stop (result?: ExecutionResult): void {
    if (this.#timer === null) return
    clearInterval(this.#timer)
    this.#timer = null
    for (const restore of this.#restore) restore()
    if (result !== undefined) {
      // Events arrive a turn after execute() resolves: count from the result instead.
      const tasks = Object.values(result.tasks)
      this.#done = tasks.filter(t => t.status !== 'pending' && t.status !== 'running').length
      this.#failed = tasks.filter(t => t.status === 'failed' || t.status === 'skipped').length
      this.#cancelled = tasks.filter(t => t.status === 'cancelled').length
    }
    if (this.#partial) this.#write.call(this.#stream, '\n')
    this.#partial = false
    this.#draw(true)
    this.#write.call(this.#stream, '\n')
  }
}
