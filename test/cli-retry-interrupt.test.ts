import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, onTestFinished, test } from 'vitest'
import { kCli, kRoot } from './helpers/cli.js'
import { useTestDatabase } from './helpers/mysql.js'

const slow = { timeout: 60_000 }
const kWorkflow = 'workflows/test-subjects/interruptible-workflow.mjs'

/** Runs graph-task with pipes, sends SIGINT (what Ctrl-C sends) once both waiting tasks say they run. */
async function interrupted (args: string[], env: Record<string, string>): Promise<{ code: number, stdout: string }> {
  const child = spawn(process.execPath, [kCli, ...args], { cwd: kRoot, env: { ...process.env, ...env } })
  onTestFinished(() => { if (child.exitCode === null) child.kill() })
  let stdout = ''
  let sent = false
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
    if (!sent && stdout.includes('left waiting') && stdout.includes('right waiting')) {
      sent = true
      child.kill('SIGINT')
    }
  })
  const [code] = await once(child, 'exit') as [number]
  return { code, stdout }
}

describe('Ctrl-C during graph-task retry', () => {
  const db = useTestDatabase()

  test('Ctrl-C cancels the retry\'s execution, prints its task table, and exits 130', slow, async () => {
    const env = { GRAPH_TASK_MYSQL_URL: db.uri() }
    const first = await interrupted(['run', kWorkflow, '--threads', '2'], env)
    expect(first.code).toBe(130)
    const id = /^interruptible (\w{26}): cancelled/m.exec(first.stdout)?.[1]
    expect(id).toBeDefined()

    const retry = await interrupted(['retry', id!, '--workflows', kWorkflow, '--threads', '2'], env)
    expect(retry.code).toBe(130)
    expect(retry.stdout).toMatch(new RegExp(`^retry \\w{26} of ${id}: cancelled`, 'm'))
    expect(retry.stdout).toMatch(/^left\s+cancelled\s+1\s/m)
    expect(retry.stdout).toMatch(/^join\s+cancelled\s+0\s/m)
  })
})
