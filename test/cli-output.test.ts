import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, onTestFinished, test } from 'vitest'
import { cli, kCli, kRoot } from './helpers/cli.js'
import { TcpProxy } from './helpers/tcp-proxy.js'
import { closedPort } from './helpers/tcp-proxy.js'

const slow = { timeout: 60_000 }

describe('what the command prints', () => {
  test('run prints the final task\'s output after the table', slow, async () => {
    const { code, stdout } = await cli(['run', 'workflows/test-subjects/two-workflows.mjs#large'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^second\s+success\s+1\s/m)
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('output of second: {"deps":{"first":{"deps":{},"params":"large"}}}')
  })

  test('a reader that leaves early (| head) ends the command quietly', slow, async () => {
    const child = spawn(process.execPath, [kCli, 'run', 'workflows/chain/workflow.mjs', '--json'], { cwd: kRoot })
    onTestFinished(() => { if (child.exitCode === null) child.kill() })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text })
    // The reader closes its end before the command writes: its write fails with EPIPE.
    child.stdout.destroy()
    const [code] = await once(child, 'exit')
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })

  test('a read-only command against a closed port prints one line of advice and exits 1', slow, async () => {
    const port = await closedPort()
    const { code, stdout, stderr } = await cli(['stats', '--mysql', `mysql://root@127.0.0.1:${port}/graph_task`])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trimEnd().split('\n')).toEqual([
      `graph-task: cannot reach MySQL at 127.0.0.1:${port} (ECONNREFUSED): start a MySQL or MariaDB server there, ` +
      'or pass --mysql <uri> (or set GRAPH_TASK_MYSQL_URL) for one that runs'
    ])
  })

  test('a server that drops every connection gives one line too: no stack, no heartbeat warnings', slow, async () => {
    const proxy = await TcpProxy.start('127.0.0.1', 3306)
    onTestFinished(() => proxy.close())
    proxy.cut()
    const { code, stderr } = await cli(['executions', '--mysql', `mysql://root@127.0.0.1:${proxy.port}/graph_task`])
    expect(code).toBe(1)
    const lines = stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^graph-task: cannot reach MySQL at 127\\.0\\.0\\.1:${proxy.port}`))
    expect(stderr).not.toMatch(/heartbeat|ensure-mysql|"level"/)
  })
})
