/**
 * The per-file pipeline of workflows/per-file written the two ways a user would
 * without mapping: hand-sharded (a fixed number of graph-task tasks, each looping
 * over every `of`-th file) and raw Piscina (`file`, one `pool.run` per file doing
 * both steps). Both call the workflow's own `measure` and `compress`, so the work per
 * file is the same and only the shape differs.
 */
import { compress, measure, merge } from '../../workflows/per-file/handlers/files.mjs'

/** measure then compress of one file, as the two mapped tasks do it. */
function both (file, options) {
  const m = measure(options, { deps: { list: file } })
  return compress(options, { deps: { measure: m } })
}

/** Engine handler: files `params.shard`, `params.shard + params.of`, ... of the list. */
export function shard (input, ctx) {
  const files = ctx.deps.list
  const out = []
  for (let i = ctx.params.shard; i < files.length; i += ctx.params.of) out.push({ index: i, value: both(files[i], input) })
  return out
}

/** Engine handler: the shards put back in file order and merged like the mapped pipeline. */
export function mergeShards (input, ctx) {
  const files = []
  for (const id of Object.keys(ctx.deps)) {
    if (id === 'list') continue
    for (const { index, value } of ctx.deps[id]) files[index] = value
  }
  return merge(undefined, { deps: { compress: files } })
}

/** Piscina handler: one file, both steps, with the execution input's options in `task.options`. */
export function file (task) {
  return both(task.file, task.options)
}

export { merge }
