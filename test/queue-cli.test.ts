import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, onTestFinished, test } from 'vitest'
import { useTestDatabase } from './helpers/mysql.js'
import { redisUrl, usePrefix } from './helpers/queue.js'

const run = promisify(execFile)
const kCli = new URL('../dist/cli.js', import.meta.url).pathname
const kRoot = new URL('..', import.meta.url).pathname
const db = useTestDatabase()

describe('graph-task serve and submit', { timeout: 60_000 }, () => {
  test('submit --wait prints the result table of an execution that a serve process ran', async () => {
    const prefix = usePrefix()
    const env = { ...process.env, GRAPH_TASK_QUEUE_PREFIX: prefix, GRAPH_TASK_REDIS_URL: redisUrl }
    const server = spawn(process.execPath, [kCli, 'serve', '--workflows', 'workflows/test-subjects/queued.mjs',
      '--mysql', db.uri(), '--concurrency', '2', '--threads', '1'], { cwd: kRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    const exited = new Promise<number | null>(resolve => server.on('close', resolve))
    onTestFinished(async () => { if (server.exitCode === null) { server.kill('SIGKILL'); await exited } })
    await new Promise<void>(resolve => server.stderr.on('data', chunk => { stderr += chunk; if (stderr.includes('serves')) resolve() }))
    expect(/instance \S+ serves ([^;]+);/.exec(stderr)?.[1].split(', ').sort()).toEqual(['q-gated', 'q-mapped', 'q-single'])

    const { stdout } = await run(process.execPath, [kCli, 'submit', 'q-single', '--wait', '--input', '{"n":3}'], { cwd: kRoot, env })
    expect(stdout).toMatch(/^q-single \w{26}: success/)
    expect(stdout).toMatch(/^TASK\s+STATUS\s+ATTEMPTS/m)
    expect(stdout).toMatch(/^only\s+success\s+1\s/m)
    const { stdout: id } = await run(process.execPath, [kCli, 'submit', 'q-single'], { cwd: kRoot, env })
    expect(id.trim()).toMatch(/^\w{26}$/)
    await expect(run(process.execPath, [kCli, 'submit', 'nosuchwf'], { cwd: kRoot, env })).rejects.toMatchObject({ stderr: expect.stringMatching(/WORKFLOW_NOT_SERVED/) })

    server.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  test('serve without --mysql is misuse, exit 2', async () => {
    const err = await run(process.execPath, [kCli, 'serve', '--workflows', 'workflows/chain/workflow.mjs', '--redis', redisUrl],
      { cwd: kRoot, env: { ...process.env, GRAPH_TASK_MYSQL_URL: '' } }).catch(e => e)
    expect(err.code).toBe(2)
    expect(err.stderr).toContain('serve needs the shared history')
  })
})
