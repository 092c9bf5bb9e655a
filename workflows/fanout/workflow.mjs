import { createWorkflow } from 'graph-task'

/**
 * Wide DAGs for the scheduler and the pool: a fan-out/fan-in, whose width is the
 * parallelism on offer, and layered DAGs, which add fan-in bookkeeping at every level.
 */

const NOOP = new URL('../shared/handlers.mjs#noop', import.meta.url)
const SPIN = new URL('../shared/handlers.mjs#spin', import.meta.url)

function checkCount (name, value) {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`)
}

/**
 * `source -> work-0 .. work-(width-1) -> sink`, id `fanout-${width}`. Source and sink are
 * no-ops; the middle tasks run `handler` with `params`.
 * @param {number} width
 * @param {string | URL} [handler] the shared `noop` by default
 * @param {unknown} [params]
 * @throws {TypeError} if width is not a positive integer
 */
export function makeFanout (width, handler = NOOP, params) {
  checkCount('width', width)
  let builder = createWorkflow(`fanout-${width}`)
    .setDescription(`Fan-out to ${width} parallel tasks and fan-in`)
    .setVersion('1.0.0')
    .addTask('source', { handler: NOOP })
  const middle = []
  for (let i = 0; i < width; i++) {
    middle.push(`work-${i}`)
    builder = builder.addTask(`work-${i}`, { handler, dependsOn: ['source'], ...(params !== undefined && { input: params }) })
  }
  return builder.addTask('sink', { handler: NOOP, dependsOn: middle }).build()
}

/**
 * A layered DAG of `total` tasks, `width` per layer (the last layer may be narrower),
 * id `layered-${total}x${width}`. Task `tL-j` (layer L, index j) depends on tasks `j` and
 * `(j + 1) mod width` of layer L-1 (always a full layer): every task of a layer feeds
 * two of the next, a fixed wiring with no seed to vary.
 * @param {number} total
 * @param {number} width
 * @param {string | URL} [handler] the shared `noop` by default
 * @param {unknown} [params]
 * @throws {TypeError} if total or width is not a positive integer
 */
export function makeLayered (total, width, handler = NOOP, params) {
  checkCount('total', total)
  checkCount('width', width)
  let builder = createWorkflow(`layered-${total}x${width}`)
    .setDescription(`${total} tasks in layers of ${width}, each depending on 2 of the layer above`)
    .setVersion('1.0.0')
  for (let index = 0; index < total; index++) {
    const layer = Math.floor(index / width)
    const j = index % width
    const dependsOn = layer === 0 ? [] : [...new Set([j, (j + 1) % width])].map((k) => `t${layer - 1}-${k}`)
    builder = builder.addTask(`t${layer}-${j}`, {
      handler,
      ...(dependsOn.length > 0 && { dependsOn }),
      ...(params !== undefined && { input: params })
    })
  }
  return builder.build()
}

/** 32 parallel tasks of 1 ms of CPU each between a no-op source and sink, id `fanout-32`. */
export default makeFanout(32, SPIN, { us: 1000 })
