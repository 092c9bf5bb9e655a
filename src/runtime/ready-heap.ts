/**
 * The ready tasks of one execution, best first: a binary max-heap over typed arrays
 * (no object per task). A task comes before another when its cumulative priority is
 * higher, then when its rank (estimated time to the end of the execution) is longer,
 * then when its slot is lower (declared order; an instance's index among its map's).
 *
 * Tasks mostly become ready in that order already (a layer of a DAG after the layer
 * before it, with a shorter rank): those go to a sorted run, a ring buffer appended to
 * in O(1), and only a task that would come before the run's last goes into the heap.
 * The best task is the better of the run's first and the heap's top.
 */
export class ReadyHeap {
  #slots = new Int32Array(16)
  #priority = new Float64Array(16)
  #rank = new Float64Array(16)
  #length = 0
  // The sorted run: a ring of capacity #runSlots.length (a power of two).
  #runSlots = new Int32Array(16)
  #runPriority = new Float64Array(16)
  #runRank = new Float64Array(16)
  #runHead = 0
  #runLength = 0

  get length (): number { return this.#length + this.#runLength }

  push (slot: number, priority: number, rank: number): void {
    const runLength = this.#runLength
    if (runLength === 0) {
      this.#append(slot, priority, rank)
      return
    }
    // After the run's last task: appended to the run.
    const last = (this.#runHead + runLength - 1) & (this.#runSlots.length - 1)
    const p = this.#runPriority[last]
    if (p > priority || (p === priority && (this.#runRank[last] > rank || (this.#runRank[last] === rank && this.#runSlots[last] < slot)))) {
      this.#append(slot, priority, rank)
      return
    }
    this.#heapPush(slot, priority, rank)
  }

  #append (slot: number, priority: number, rank: number): void {
    if (this.#runLength === this.#runSlots.length) this.#growRun()
    const at = (this.#runHead + this.#runLength++) & (this.#runSlots.length - 1)
    this.#runSlots[at] = slot
    this.#runPriority[at] = priority
    this.#runRank[at] = rank
  }

  // Whether the run's first task goes before the heap's top (either may be empty, not both).
  #runFirst (): boolean {
    if (this.#runLength === 0) return false
    if (this.#length === 0) return true
    const head = this.#runHead
    const p = this.#runPriority[head]
    const q = this.#priority[0]
    if (p !== q) return p > q
    const r = this.#runRank[head]
    const s = this.#rank[0]
    if (r !== s) return r > s
    return this.#runSlots[head] < this.#slots[0]
  }

  #heapPush (slot: number, priority: number, rank: number): void {
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
    if (this.#runFirst()) return this.#runSlots[this.#runHead]
    return this.#length === 0 ? -1 : this.#slots[0]
  }

  /** Removes and returns the best task; -1 when empty. */
  pop (): number {
    if (this.#runFirst()) {
      const slot = this.#runSlots[this.#runHead]
      this.#runHead = (this.#runHead + 1) & (this.#runSlots.length - 1)
      this.#runLength--
      return slot
    }
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
    this.#runLength = 0
    this.#runHead = 0
  }

  #growRun (): void {
    const size = this.#runSlots.length
    const slots = new Int32Array(size * 2)
    const prio = new Float64Array(size * 2)
    const ranks = new Float64Array(size * 2)
    // Unrolled from the head, so that the ring starts at 0 again.
    for (let k = 0; k < this.#runLength; k++) {
      const at = (this.#runHead + k) & (size - 1)
      slots[k] = this.#runSlots[at]
      prio[k] = this.#runPriority[at]
      ranks[k] = this.#runRank[at]
    }
    this.#runSlots = slots
    this.#runPriority = prio
    this.#runRank = ranks
    this.#runHead = 0
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
