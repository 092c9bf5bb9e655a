/** `graph-task console` in a process of its own, on a test database. */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { onTestFinished } from 'vitest'
import { kCli } from './cli.js'
import type { TestDatabase } from './mysql.js'

/** `graph-task console --port 0 ...args` on `db`; resolves with the URL it prints. Stopped when the test finishes. */
export async function startConsole (db: TestDatabase, args: string[]): Promise<{ url: string, stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [kCli, 'console', '--port', '0', ...args], {
    env: { ...process.env, GRAPH_TASK_MYSQL_URL: db.uri(), GRAPH_TASK_CONSOLE_TOKEN: '' }
  })
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null) return child.exitCode
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit') as [number | null]
    return code
  }
  onTestFinished(async () => { await stop() })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  for await (const chunk of child.stdout) {
    out += (chunk as Buffer).toString()
    const match = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
    if (match !== null) return { url: match[1], stop }
  }
  throw new Error(`the console did not start: ${out} ${err}`)
}
