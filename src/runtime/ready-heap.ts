/**
 * The ready tasks of one execution, best first: a binary max-heap over typed arrays
 * (no object per task). A task comes before another when its cumulative priority is
 * higher, then when its rank (estimated time to the end of the execution) is longer,
 * then when its slot is lower (declared order; an instance's index among its map's).
 */
export class ReadyHeap {
  #slots = new Int32Array(16)
  #priority = new Float64Array(16)
  #rank = new Float64Array(16)
  #length = 0

  get length (): number { return this.#length }

  push (slot: number, priority: number, rank: number): void {
    if (this.#length === this.#slots.length) this.#grow()
    const slots = this.#slots
    const prio = this.#priority
    const ranks = this.#rank
    // Sift up: parents that come after the new task move down.
    let at = this.#length++
    while (at > 0) {
      const up = (at - 1) >> 1
      const p = prio[up]
      if (p > priority || (p === priority && (ranks[up] > rank || (ranks[up] === rank && slots[up] < slot)))) break
      slots[at] = slots[up]
      prio[at] = p
      ranks[at] = ranks[up]
      at = up
    }
    slots[at] = slot
    prio[at] = priority
    ranks[at] = rank
  }

  /** The best task, left in place; -1 when empty. */
  peek (): number {
    return this.#length === 0 ? -1 : this.#slots[0]
  }

  /** The rank of the best task (0 when empty). */
  peekRank (): number {
    return this.#length === 0 ? 0 : this.#rank[0]
  }

  /** Removes and returns the best task; -1 when empty. */
  pop (): number {
    if (this.#length === 0) return -1
    const slots = this.#slots
    const prio = this.#priority
    const ranks = this.#rank
    const top = slots[0]
    const last = --this.#length
    if (last === 0) return top
    const slot = slots[last]
    const priority = prio[last]
    const rank = ranks[last]
    // Sift down the last task from the root.
    let at = 0
    for (;;) {
      let child = 2 * at + 1
      if (child >= last) break
      const right = child + 1
      if (right < last) {
        const pl = prio[child]
        const pr = prio[right]
        if (pr > pl || (pr === pl && (ranks[right] > ranks[child] || (ranks[right] === ranks[child] && slots[right] < slots[child])))) child = right
      }
      const pc = prio[child]
      if (priority > pc || (priority === pc && (rank > ranks[child] || (rank === ranks[child] && slot < slots[child])))) break
      slots[at] = slots[child]
      prio[at] = pc
      ranks[at] = ranks[child]
      at = child
    }
    slots[at] = slot
    prio[at] = priority
    ranks[at] = rank
    return top
  }

  clear (): void {
    this.#length = 0
  }

  #grow (): void {
    const size = this.#slots.length * 2
    const slots = new Int32Array(size)
    slots.set(this.#slots)
    const prio = new Float64Array(size)
    prio.set(this.#priority)
    const ranks = new Float64Array(size)
    ranks.set(this.#rank)
    this.#slots = slots
    this.#priority = prio
    this.#rank = ranks
  }
}
