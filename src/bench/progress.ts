/**
 * The live line of `bench` on a terminal: the case being measured, its round, the time
 * spent on it so far and its latency samples so far, redrawn at most every 100 ms on
 * stderr; after a case's last round its line stays, and the next starts below it.
 * Silent when stderr is not a TTY or when asked to be (`--json`).
 */
import type { RoundListener } from './latency.js'
import type { PlannedCase } from './suite.js'

/** The progress line, told of each round and sample by sampleInRounds (latency.ts). */
export class CaseProgress implements RoundListener {
  readonly #stream = process.stderr
  readonly #on: boolean
  // Per case id: time spent and samples taken over its rounds so far.
  readonly #spent = new Map<string, { ms: number, samples: number }>()
  #current: { c: PlannedCase, round: number, since: number, spent: { ms: number, samples: number } } | undefined
  #timer: NodeJS.Timeout | null = null

  /** @param quiet no output at all */
  constructor (quiet: boolean) {
    this.#on = !quiet && this.#stream.isTTY === true
  }

  /** A case starts a round. */
  start (c: PlannedCase, round: number): void {
    let spent = this.#spent.get(c.id)
    if (spent === undefined) this.#spent.set(c.id, spent = { ms: 0, samples: 0 })
    this.#current = { c, round, since: Date.now(), spent }
    if (!this.#on) return
    this.#draw()
    this.#timer = setInterval(() => this.#draw(), 100)
  }

  /** Called on every latency sample; only counts, the timer draws. */
  readonly sample = (): void => { if (this.#current !== undefined) this.#current.spent.samples++ }

  /** The case ended a round; after its last, its line is left in place. */
  end (_c: PlannedCase, _round: number, last: boolean): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    if (this.#on) this.#draw()
    if (this.#current !== undefined) this.#current.spent.ms += Date.now() - this.#current.since
    this.#current = undefined
    if (this.#on && last) this.#stream.write('\n')
  }

  #draw (): void {
    const now = this.#current
    if (now === undefined) return
    const secs = ((now.spent.ms + Date.now() - now.since) / 1000).toFixed(1)
    this.#stream.write(`\r${now.c.id}  round ${now.round + 1}  ${secs}s  ${now.spent.samples} samples\x1b[K`)
  }
}
