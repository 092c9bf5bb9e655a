/**
 * Runs a workflow's handlers one after another on this thread, without the engine: the
 * single-thread baseline that benchmarks set the engine's times against, and a way to try
 * a workflow before `npm run build`.
 *
 *   node workflows/run-inline.mjs workflows/image-pipeline/workflow.mjs --input '{"width":1024}' --runs 5
 *
 * Prints each task's time on the first run (cold: code not yet optimised by the JIT) and
 * the median over the other runs (warm), then the outputs of the final tasks. `--json`
 * prints the same as one JSON object; `--log` prints the handlers' log lines on stderr.
 *
 * Workflow modules import `createWorkflow` from 'graph-task'. A module hook answers that
 * import with the small recording builder below, so this script needs neither dist/ nor
 * the engine's internal definition format. Outputs are handed on by reference, not
 * cloned: the times are the handlers' work alone.
 */
import { register } from 'node:module'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs, inspect } from 'node:util'

/**
 * Records what a workflow module builds: the only parts of the builder this script needs.
 * Its source text becomes the module that 'graph-task' resolves to, so it must not refer
 * to anything outside itself.
 */
function createWorkflow (id) {
  const tasks = new Map()
  const edges = []
  const builder = {
    setDescription () { return builder },
    setVersion () { return builder },
    addTask (taskId, options) {
      tasks.set(taskId, { ...options, id: taskId, dependsOn: [...(options.dependsOn ?? [])] })
      return builder
    },
    addDependency (from, to) {
      edges.push([from, to])
      return builder
    },
    build () {
      for (const [from, to] of edges) {
        if (!tasks.has(to)) throw new Error(`addDependency: unknown task ${to}`)
        tasks.get(to).dependsOn.push(from)
      }
      return { id, tasks: [...tasks.values()] }
    }
  }
  return builder
}

const dataUrl = (source) => 'data:text/javascript,' + encodeURIComponent(source)
const builderUrl = dataUrl(`export ${createWorkflow}`)
// module.register needs Node 20.6 or later.
register(dataUrl(`export async function resolve (specifier, context, next) {
  return specifier === 'graph-task' ? { url: ${JSON.stringify(builderUrl)}, shortCircuit: true } : next(specifier, context)
}`))

/** Kahn's algorithm, taking ready tasks in definition order so every run has the same order. */
function topologicalOrder (tasks) {
  const byId = new Map(tasks.map((t) => [t.id, t]))
  const done = new Set()
  const order = []
  while (order.length < tasks.length) {
    const ready = tasks.find((t) => !done.has(t.id) && t.dependsOn.every((d) => done.has(d)))
    if (ready === undefined) throw new Error('the workflow has a cycle or an unknown dependency')
    for (const d of ready.dependsOn) if (!byId.has(d)) throw new Error(`${ready.id} depends on unknown task ${d}`)
    done.add(ready.id)
    order.push(ready)
  }
  return order
}

/** A handler reference (path, file URL string or URL, with an optional `#export`) to its function. */
async function loadHandler (handler) {
  let url
  let name
  if (handler instanceof URL || handler.startsWith('file:')) {
    url = new URL(handler)
    name = url.hash.slice(1)
    url.hash = ''
  } else {
    const [path, fragment] = handler.split('#')
    url = pathToFileURL(path)
    name = fragment
  }
  const fn = (await import(url.href))[name || 'default']
  if (typeof fn !== 'function') throw new TypeError(`${url.href}: export ${name || 'default'} is not a function`)
  return fn
}

async function runOnce (definition, order, handlers, input, run, log) {
  const outputs = new Map()
  const times = {}
  const logger = Object.fromEntries(['trace', 'debug', 'info', 'warn', 'error'].map((level) =>
    [level, log ? (message, data) => console.error(`[${level}] ${message}`, data ?? '') : () => {}]))
  for (const task of order) {
    const ctx = {
      executionId: `inline-${run}`,
      workflowId: definition.id,
      taskId: task.id,
      attempt: 1,
      params: task.input,
      deps: Object.fromEntries(task.dependsOn.map((d) => [d, outputs.get(d)])),
      signal: new AbortController().signal,
      logger
    }
    const start = performance.now()
    outputs.set(task.id, await handlers.get(task.id)(input, ctx))
    times[task.id] = performance.now() - start
  }
  return { outputs, times }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const ms = (x) => Math.round(x * 100) / 100
const sum = (times) => Object.values(times).reduce((a, b) => a + b, 0)

// JSON cannot hold typed arrays or Maps; show their kind and size instead.
function jsonSafe (key, value) {
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length})`
  if (value instanceof Map) return `Map(${value.size})`
  return typeof value === 'bigint' ? value.toString() : value
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    input: { type: 'string' },
    runs: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
    log: { type: 'boolean', default: false }
  }
})
if (positionals.length !== 1) {
  console.error('usage: node workflows/run-inline.mjs <workflow.mjs> [--input JSON] [--runs N] [--json] [--log]')
  process.exit(2)
}
const definition = (await import(pathToFileURL(resolve(positionals[0])).href)).default
const input = values.input === undefined ? undefined : JSON.parse(values.input)
const runs = Math.max(1, Number(values.runs))
const order = topologicalOrder(definition.tasks)
const handlers = new Map()
for (const task of order) handlers.set(task.id, await loadHandler(task.handler))

// Only the last run's outputs are kept: holding every run's would slow the later runs' GC.
const results = []
let last
for (let run = 1; run <= runs; run++) {
  last = await runOnce(definition, order, handlers, input, run, values.log && run === 1)
  results.push({ times: last.times })
}
const cold = results[0].times
const warmRuns = results.length > 1 ? results.slice(1) : results
const warm = Object.fromEntries(order.map((t) => [t.id, median(warmRuns.map((r) => r.times[t.id]))]))
const warmTotal = median(warmRuns.map((r) => sum(r.times)))
const finals = order.filter((t) => !order.some((o) => o.dependsOn.includes(t.id)))
const outputs = Object.fromEntries(finals.map((t) => [t.id, last.outputs.get(t.id)]))

if (values.json) {
  console.log(JSON.stringify({
    workflowId: definition.id,
    input,
    runs,
    cold: { total: ms(sum(cold)), tasks: Object.fromEntries(Object.entries(cold).map(([id, t]) => [id, ms(t)])) },
    warm: { total: ms(warmTotal), tasks: Object.fromEntries(Object.entries(warm).map(([id, t]) => [id, ms(t)])) },
    outputs
  }, jsonSafe, 2))
} else {
  console.log(`${definition.id}: ${order.length} tasks, ${runs} runs, input ${JSON.stringify(input) ?? '(none)'}`)
  console.log('task'.padEnd(16), 'cold ms'.padStart(10), 'warm ms'.padStart(10))
  for (const { id } of order) console.log(id.padEnd(16), ms(cold[id]).toFixed(2).padStart(10), ms(warm[id]).toFixed(2).padStart(10))
  console.log('total'.padEnd(16), ms(sum(cold)).toFixed(2).padStart(10), ms(warmTotal).toFixed(2).padStart(10))
  for (const [id, output] of Object.entries(outputs)) console.log(`\n${id}:`, inspect(output, { depth: 4, maxArrayLength: 24, colors: false }))
}
