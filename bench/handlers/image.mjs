/**
 * The image pipeline's handlers (workflows/image-pipeline) behind one Piscina entry, for
 * the hand-written DAGs of bench/embedded.bench.ts: the main thread sends a task's name,
 * static input and dependency outputs; the worker runs the same function the engine
 * would and answers with its output, copied (the structured clone of postMessage) or,
 * with `transfer`, moved (Piscina.move of every typed array's buffer).
 */
import { move, transferableSymbol, valueSymbol } from 'piscina'
import generate from '../../workflows/image-pipeline/handlers/generate.mjs'
import * as filters from '../../workflows/image-pipeline/handlers/filters.mjs'
import merge from '../../workflows/image-pipeline/handlers/merge.mjs'

const handlers = { generate, merge, ...filters }
const logger = { debug () {}, info () {}, warn () {}, error () {} }

export default function run ({ fn, input, params, deps, transfer }) {
  const output = handlers[fn](input, { deps, params, logger })
  if (!transfer) return output
  const buffers = []
  for (const key in output) {
    const value = output[key]
    if (ArrayBuffer.isView(value) && value.byteLength >= 64 * 1024) buffers.push(value.buffer)
  }
  if (buffers.length === 0) return output
  return move({ get [transferableSymbol] () { return buffers }, get [valueSymbol] () { return output } })
}
