import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isWorkflow, type Workflow } from '../workflow/builder.js'

/** Wrong use of the command line: reported with the usage text and exit code 2. */
export class UsageError extends Error {}

export interface CommonFlags {
  input?: string
  threads?: string
  timeout?: string
  json?: boolean
  mysql?: string
}

/** Imports a module and returns the workflows it exports (default export first). */
export async function loadWorkflows (path: string): Promise<Workflow[]> {
  const url = pathToFileURL(resolve(path)).href
  let mod: Record<string, unknown>
  try {
    mod = await import(url)
  } catch (err) {
    throw new UsageError(`cannot load workflow module ${path}: ${(err as Error).message}`)
  }
  const found: Workflow[] = []
  if (isWorkflow(mod.default)) found.push(mod.default)
  for (const [name, value] of Object.entries(mod)) {
    if (name !== 'default' && isWorkflow(value) && !found.includes(value)) found.push(value)
  }
  if (found.length === 0) {
    throw new UsageError(`${path} exports no workflow: export default createWorkflow('id')...build() ` +
      `(exports found: ${Object.keys(mod).join(', ') || 'none'})`)
  }
  return found
}

/** The one positional argument of `run` and `bench`, a module, and the first workflow it exports. */
export async function workflowArgument (command: string, args: string[]): Promise<Workflow> {
  const [modulePath, ...extra] = args
  if (modulePath === undefined) throw new UsageError(`${command} needs a workflow module`)
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`)
  return (await loadWorkflows(modulePath))[0]
}

/** `--input` as JSON text or `@file`. */
export async function parseInput (text: string | undefined): Promise<unknown> {
  if (text === undefined) return undefined
  const source = text.startsWith('@') ? await readFile(text.slice(1), 'utf8') : text
  try {
    return JSON.parse(source)
  } catch (err) {
    throw new UsageError(`--input is not valid JSON: ${(err as Error).message}`)
  }
}

export function parsePositiveInt (name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${text}"`)
  return n
}

/** JSON that survives the values handlers return: Maps, BigInts, typed arrays. */
export function toJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof Map) return Object.fromEntries(v)
    if (v instanceof Set) return [...v]
    if (ArrayBuffer.isView(v)) {
      const view = v as unknown as ArrayLike<number>
      return view.length <= 64 ? Array.from(view) : `<${v.constructor.name} ${view.length} items>`
    }
    return v
  }, 2)
}

export function formatMs (ms: number | undefined): string {
  if (ms === undefined) return '-'
  if (ms < 1) return `${(ms * 1000).toFixed(0)} us`
  if (ms < 1000) return `${ms.toFixed(1)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

/** Left-aligned text table. */
export function table (rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => r[c].length)))
  return rows.map(r => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n')
}
