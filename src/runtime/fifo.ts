/**
 * A first-in first-out queue over an array with a moving head: O(1) push and
 * shift without the O(n) of Array#shift, compacted when the dead prefix grows.
 */
export class Fifo<T> {
  #items: T[] = []
  #head = 0

  get length (): number {
    return this.#items.length - this.#head
  }

  push (item: T): void {
    this.#items.push(item)
  }

  /** Removes and returns the oldest item; undefined when empty. */
  shift (): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined as T
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** The oldest item, left in place. */
  peek (): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined
  }

  clear (): void {
    this.#items = []
    this.#head = 0
  }
}
