import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { describe, expect, onTestFinished, test } from 'vitest'
import { startEngine, subject, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { recoverable } from '../workflows/test-subjects/recoverable.mjs'

const db = useTestDatabase()
const slow = { timeout: 60_000 }

/** `graph-task console ...` on the test database; resolves with the URL it prints. */
async function startConsole (args: string[]): Promise<{ url: string, stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../dist/cli.js'), 'console', '--port', '0', ...args], {
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

describe('graph-task console', () => {
  test('serves the shared history on 127.0.0.1, refuses actions without the token, and exits 0 on SIGTERM', slow, async () => {
    const engine = startEngine({ storage: db.storage() })
    await engine.publishWorkflow(recoverable)
    const failed = await engine.execute('recoverable', { dir: await tempDir() })
    await engine.flush()
    const { url, stop } = await startConsole(['--token', 'cli-console-token', '--workflows', subject('recoverable.mjs').pathname])
    const list = await (await fetch(`${url}api/executions`)).json() as { executions: Array<{ executionId: string, status: string }> }
    expect(list.executions.map(e => [e.executionId, e.status])).toEqual([[failed.executionId, 'failed']])
    const graph = await (await fetch(`${url}api/executions/${failed.executionId}/graph`)).json() as { stages: string[][] }
    expect(graph.stages).toEqual([['first'], ['second'], ['third'], ['fourth']])
    const refused = await fetch(`${url}api/executions/${failed.executionId}/abandon`, { method: 'POST' })
    expect(refused.status).toBe(401)
    const done = await fetch(`${url}api/executions/${failed.executionId}/abandon`, { method: 'POST', headers: { authorization: 'Bearer cli-console-token' } })
    expect(done.status).toBe(200)
    expect(await stop()).toBe(0)
  })

  test('--read-only refuses actions even with the token', slow, async () => {
    const { url } = await startConsole(['--token', 'cli-console-token', '--read-only'])
    const res = await fetch(`${url}api/executions/01HZ0000000000000000000000/cancel`, { method: 'POST', headers: { authorization: 'Bearer cli-console-token' } })
    expect(res.status).toBe(403)
  })
})
