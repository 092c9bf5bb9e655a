/**
 * Strict durability (`durability: 'task'`): a task's result is committed to
 * storage before any task that depends on it starts, and an execution reports
 * its end only once the results of its tasks are committed.
 *
 *   outcomes of a batch ─▶ dependents made ready are held ─▶ seal(): one commit
 *                                                             for all held so far
 *   recorder: group commit (one transaction) ─▶ committed(gen) ─▶ held tasks ready,
 *                                                                 finished executions end
 *
 * Everything that finished while a commit was in flight goes in the next one
 * (group commit), so the cost is one transaction per round of outcomes, not
 * one per task. Holds are kept in order with the generation of the commit
 * that releases them: no closure, no promise per task.
 */
import type { Execution } from './execution.js'

/** The recorder's group commit: `callback(arg, committed)` once everything recorded before the call is in storage. */
export interface GroupCommit {
  whenCommitted<T> (callback: (arg: T, committed: boolean) => void, arg: T): void
}

/** What the gate releases to. */
export interface GateListener {
  /** `count` tasks of `exec` held until now are ready (they are in its ready queue). */
  released (exec: Execution, count: number): void
  /** Every task of `exec` is final and committed: it may end. */
  concluded (exec: Execution): void
}

export class CommitGate {
  readonly #commit: GroupCommit
  readonly #listener: GateListener
  // Holds in order: the execution, how many of its held tasks to release (-1: it may end), and when.
  #execs: Array<Execution | null> = []
  #counts: number[] = []
  #generations: number[] = []
  #head = 0
  // Executions with holds since the last seal, and how many each.
  readonly #open = new Map<Execution, number>()
  readonly #ending = new Set<Execution>()
  #generation = 0

  constructor (commit: GroupCommit, listener: GateListener) {
    this.#commit = commit
    this.#listener = listener
  }

  /** `count` tasks of `exec` became ready and wait for the next commit (they are in its held queue). */
  hold (exec: Execution, count: number): void {
    this.#open.set(exec, (this.#open.get(exec) ?? 0) + count)
  }

  /** Whether `exec` already waits for a commit to end. */
  ending (exec: Execution): boolean {
    return this.#ending.has(exec)
  }

  /** Every task of `exec` is final: it ends once its records are committed. */
  conclude (exec: Execution): void {
    this.#ending.add(exec)
    this.#push(exec, -1)
  }

  /** Asks for one commit of everything recorded so far; what was held before it is released then. */
  seal (): void {
    if (this.#open.size === 0 && this.#execs.length === this.#head) return
    for (const [exec, count] of this.#open) this.#push(exec, count)
    this.#open.clear()
    const generation = ++this.#generation
    this.#commit.whenCommitted(committed, { gate: this, generation })
  }

  #push (exec: Execution, count: number): void {
    this.#execs.push(exec)
    this.#counts.push(count)
    this.#generations.push(this.#generation + 1)
  }

  /** @internal a commit of generation `generation` ended (or was given up at close). */
  committed (generation: number): void {
    while (this.#head < this.#execs.length && this.#generations[this.#head] <= generation) {
      const exec = this.#execs[this.#head]!
      const count = this.#counts[this.#head]
      this.#execs[this.#head++] = null
      if (count === -1) {
        this.#ending.delete(exec)
        this.#listener.concluded(exec)
      } else if (exec.status === 'running') {
        this.#listener.released(exec, exec.releaseHeld(count))
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#execs.length) {
      this.#execs = this.#execs.slice(this.#head)
      this.#counts = this.#counts.slice(this.#head)
      this.#generations = this.#generations.slice(this.#head)
      this.#head = 0
    }
  }
}

// A commit that failed for good (close gave up) releases all the same: the engine is
// going down and its executions end as cancelled; holding them would hang close().
function committed (arg: { gate: CommitGate, generation: number }, _ok: boolean): void {
  arg.gate.committed(arg.generation)
}
