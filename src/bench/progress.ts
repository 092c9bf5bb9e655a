/**
 * The live line of `bench` on a terminal: the case being measured, the time spent on it
 * and the latency samples so far, redrawn at most every 100 ms on stderr, then left as
 * one finished line per case. Silent when stderr is not a TTY or when asked to be.
 */
export class CaseProgress {
  readonly #stream = process.stderr
  readonly #on: boolean
  #caseId = ''
  #started = 0
  #samples = 0
  #timer: NodeJS.Timeout | null = null

  /** @param quiet no output at all (`--json`) */
  constructor (quiet: boolean) {
    this.#on = !quiet && this.#stream.isTTY === true
  }

  /** A new case starts: its line replaces nothing, it starts below the last. */
  start (caseId: string, index: number, total: number): void {
    this.#caseId = `[${index + 1}/${total}] ${caseId}`
    this.#started = Date.now()
    this.#samples = 0
    if (!this.#on) return
    this.#draw()
    this.#timer = setInterval(() => this.#draw(), 100)
  }

  /** Called on every latency sample; only counts, the timer draws. */
  readonly sample = (samples: number): void => { this.#samples = samples }

  /** The case ended: draws its final line and moves to the next. */
  end (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    if (!this.#on) return
    this.#draw()
    this.#stream.write('\n')
  }

  #draw (): void {
    const secs = ((Date.now() - this.#started) / 1000).toFixed(1)
    this.#stream.write(`\r${this.#caseId}  ${secs}s  ${this.#samples} samples\x1b[K`)
  }
}
