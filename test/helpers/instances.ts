/**
 * graph-task instances in processes of their own (helpers/instance.mjs), for tests of
 * what instances share through MySQL: separate processes share only the database.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TestDatabase } from './mysql.js'

const kInstance = new URL('./instance.mjs', import.meta.url).pathname

export interface Instance {
  child: ChildProcess
  /** Every JSON line the process printed, once it has exited. */
  lines: Promise<any[]>
  /** The id of the execution it started (action `run`). */
  started: Promise<string>
}

/** Starts `node instance.mjs ...args` on `db`, with `env` added to its environment. */
export function instance (db: TestDatabase, args: string[], env: Record<string, string> = {}): Instance {
  const child = spawn(process.execPath, [kInstance, ...args], {
    env: { ...process.env, GT_DB: JSON.stringify(db.options()), ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let text = ''
  let onStarted: (id: string) => void
  const started = new Promise<string>(resolve => { onStarted = resolve })
  child.stdout!.on('data', chunk => {
    text += chunk
    const match = /\{"started":"(\w+)"\}/.exec(text)
    if (match !== null) onStarted(match[1])
  })
  const lines = new Promise<any[]>(resolve => child.on('close', () => {
    resolve(text.split('\n').filter(l => l.length > 0).map(l => JSON.parse(l)))
  }))
  return { child, lines, started }
}

/** Runs an instance to its end; its last line: `{ ok, value }` or `{ ok: false, code, message }`. */
export async function answer (db: TestDatabase, args: string[], env?: Record<string, string>): Promise<any> {
  const all = await instance(db, args, env).lines
  return all[all.length - 1]
}

/** Task ids in the order the step handler ran them (workflows/test-subjects/step.mjs). */
export async function runs (dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'runs.txt'), 'utf8')).split('\n').filter(l => l.length > 0)
}
