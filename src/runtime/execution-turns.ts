/**
 * Executions with ready tasks, in the order they get a slot: the highest execution
 * priority first, and among equal priorities by turn, a turn being taken each time an
 * execution is queued again (after each batch it sent): round robin, so that a large
 * execution sends one batch, then waits for the others of its priority to send one.
 * With every priority 0 (the default) it is plain round robin, first in, first out.
 *
 * A binary heap over arrays: a few executions, one push and one shift per batch.
 */
import type { Execution } from './execution.js'

export class ExecutionTurns {
  #items: Execution[] = []
  #priority = new Float64Array(16)
  #turn = new Float64Array(16)
  #length = 0
  #nextTurn = 0

  get length (): number { return this.#length }

  push (exec: Execution): void {
    if (this.#length === this.#priority.length) this.#grow()
    const items = this.#items
    const prio = this.#priority
    const turns = this.#turn
    const priority = exec.priority
    const turn = this.#nextTurn++
    let at = this.#length++
    while (at > 0) {
      const up = (at - 1) >> 1
      if (prio[up] > priority || (prio[up] === priority && turns[up] < turn)) break
      items[at] = items[up]
      prio[at] = prio[up]
      turns[at] = turns[up]
      at = up
    }
    items[at] = exec
    prio[at] = priority
    turns[at] = turn
  }

  /** Removes and returns the execution whose turn it is; undefined when none. */
  shift (): Execution | undefined {
    if (this.#length === 0) return undefined
    const items = this.#items
    const prio = this.#priority
    const turns = this.#turn
    const top = items[0]
    const last = --this.#length
    const exec = items[last]
    items[last] = undefined as unknown as Execution
    if (last === 0) return top
    const priority = prio[last]
    const turn = turns[last]
    let at = 0
    for (;;) {
      let child = 2 * at + 1
      if (child >= last) break
      const right = child + 1
      if (right < last && (prio[right] > prio[child] || (prio[right] === prio[child] && turns[right] < turns[child]))) child = right
      if (priority > prio[child] || (priority === prio[child] && turn < turns[child])) break
      items[at] = items[child]
      prio[at] = prio[child]
      turns[at] = turns[child]
      at = child
    }
    items[at] = exec
    prio[at] = priority
    turns[at] = turn
    return top
  }

  #grow (): void {
    const size = this.#priority.length * 2
    const prio = new Float64Array(size)
    prio.set(this.#priority)
    const turns = new Float64Array(size)
    turns.set(this.#turn)
    this.#priority = prio
    this.#turn = turns
  }
}
