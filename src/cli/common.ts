import { readFile } from 'node:fs/promises'
import { usage, UsageError, type FlagSpecs } from './command.js'
import { chooseWorkflow, type ChosenWorkflow } from './workflow-module.js'
import { valueReplacer } from '../json-values.js'

export { UsageError } from './command.js'

export interface CommonFlags {
  input?: string
  threads?: string
  timeout?: string
  json?: boolean
  mysql?: string
  workflow?: string
  typescript?: boolean
}

/** `--mysql`, for every command that can keep or read history in MySQL. */
export const kStorageFlags: FlagSpecs = Object.freeze({
  mysql: { type: 'string', value: 'uri', help: 'keep history in MySQL: mysql://user:password@host:port/database (or set GRAPH_TASK_MYSQL_URL)' }
})

/** `--json`. */
export const kJsonFlags: FlagSpecs = Object.freeze({
  json: { type: 'boolean', help: 'print JSON instead of a table' }
})

/** The flags of a command that loads one workflow and runs it (run, bench). */
export const kWorkflowFlags: FlagSpecs = Object.freeze({
  workflow: { type: 'string', value: 'name', help: 'the workflow to run when the module exports several (export name or id; or module#name)' },
  input: { type: 'string', value: 'json|@file', help: 'execution input, as JSON or @path/to/file.json' },
  threads: { type: 'string', value: 'n', help: 'worker threads (default: available parallelism)' },
  typescript: { type: 'boolean', help: 'load TypeScript modules and handlers through tsx (on when the module or a handler is .ts/.mts/.cts)' }
})

/** The one positional argument of `run` and `bench`, `module[#name]`, and the workflow it names. */
export async function workflowArgument (command: string, args: string[], flags: CommonFlags): Promise<ChosenWorkflow> {
  const [modulePath, ...extra] = args
  if (modulePath === undefined) throw usage(command, `${command} needs a workflow module`)
  if (extra.length > 0) throw usage(command, `unexpected arguments: ${extra.join(' ')}`)
  return chooseWorkflow(command, modulePath, flags)
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

const kReplacer = valueReplacer(64)

/** JSON that survives the values handlers return: Maps, BigInts, typed arrays. */
export function toJson (value: unknown, indent = 2): string {
  return JSON.stringify(value, kReplacer, indent)
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
