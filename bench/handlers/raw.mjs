/**
 * Handlers for the raw Piscina baselines: the same work as the engine's handlers in
 * workflows/shared/handlers.mjs and bench/handlers/buffer.mjs, with Piscina's calling
 * convention (one argument, the task). Picked with `pool.run(task, { name })`.
 */
import { move } from 'piscina'

/** Does nothing: the pool's own cost per task. */
export function noop () {}

/** Busy for `task.us` microseconds, like workflows/shared/handlers.mjs#spin. */
export function spin (task) {
  const end = performance.now() + task.us / 1000
  let iterations = 0
  while (performance.now() < end) iterations++
  return iterations
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
