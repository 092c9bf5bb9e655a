/**
 * Handlers for the raw Piscina baselines: the same work as the engine's handlers in
 * workflows/shared/handlers.mjs, bench/handlers/work.mjs and bench/handlers/buffer.mjs,
 * with Piscina's calling convention (one argument, the task). Picked with
 * `pool.run(task, { name })`.
 *
 * `batch` and `chain` are the ceilings: what the pool does when the caller packs the
 * work itself, with no DAG to honour and nothing recorded.
 */
import { move } from 'piscina'
import { burn } from './work.mjs'

/** Does nothing: the pool's own cost per task. */
export function noop () {}

/** Returns a small object, like workflows/shared/handlers.mjs#small. */
export function small () {
  return { n: 1, s: 'abc' }
}

/** Busy for `task.us` microseconds of wall-clock time, like workflows/shared/handlers.mjs#spin. */
export function spin (task) {
  const end = performance.now() + task.us / 1000
  let iterations = 0
  while (performance.now() < end) iterations++
  return iterations
}

/** `task.iterations` of fixed work, like bench/handlers/work.mjs#work. */
export function work (task) {
  return burn(task.iterations)
}

const byName = { noop, small, work }

/**
 * Hand-batched: one message carries `message.tasks`, each run by the handler named
 * `message.fn`, in order; one result per task comes back, as graph-task answers a
 * batch with one outcome per task.
 */
export function batch (message) {
  const fn = byName[message.fn]
  const tasks = message.tasks
  const results = new Array(tasks.length)
  for (let i = 0; i < tasks.length; i++) results[i] = fn(tasks[i])
  return results
}

/**
 * The fused chain: `task.steps` no-op steps in one call, each handed the output of
 * the one before, with no round trip between steps.
 */
export function chain (task) {
  let out = null
  for (let i = 0; i < task.steps; i++) out = noop(out)
  return out
}

/** Allocates `task.bytes` bytes (a fresh buffer per call); `task.transfer` moves it back instead of cloning it. */
export function make (task) {
  const data = new Uint8Array(task.bytes)
  for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff
  return task.transfer ? move(data) : data
}

/** Touches every page of `task.data` and hands it on, moved or cloned like `make`. */
export function pass (task) {
  const data = task.data
  for (let i = 0; i < data.length; i += 4096) data[i]++
  return task.transfer ? move(data) : data
}
