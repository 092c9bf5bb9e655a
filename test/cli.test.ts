import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { databaseOfThisTest } from './helpers/mysql.js'

const run = promisify(execFile)
const kCli = new URL('../dist/cli.js', import.meta.url).pathname
const kRoot = new URL('..', import.meta.url).pathname
const slow = { timeout: 60_000 }

async function cli (args: string[], env: Record<string, string> = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [kCli, ...args], { cwd: kRoot, env: { ...process.env, ...env } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('graph-task command line', () => {
  test('run prints a summary of every task and exits 0 on success', slow, async () => {
    const { code, stdout } = await cli(['run', 'workflows/image-pipeline/workflow.mjs', '--input', '{"width":64,"height":64}', '--threads', '2'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/image-pipeline \w{26}: success/)
    for (const task of ['generate', 'blur', 'denoise', 'merge']) expect(stdout).toMatch(new RegExp(`^${task}\\s+success\\s+1\\s`, 'm'))
  })

  test('run --json prints the result as JSON', slow, async () => {
    const { code, stdout } = await cli(['run', 'workflows/chain/workflow.mjs', '--json'])
    expect(code).toBe(0)
    const result = JSON.parse(stdout)
    expect(result).toMatchObject({ workflowId: 'chain-20', status: 'success' })
    expect(Object.keys(result.tasks)).toHaveLength(20)
  })

  test('run exits 1 when the execution fails and names the error', slow, async () => {
    const { code, stdout } = await cli(['run', 'workflows/test-subjects/failing-workflow.mjs'])
    expect(code).toBe(1)
    expect(stdout).toMatch(/^boom\s+failed\s+1\s.*BOOM: failed on purpose/m)
  })

  test('misuse exits 2 with a message that says what was wrong', slow, async () => {
    expect(await cli(['run'])).toMatchObject({ code: 2, stderr: expect.stringContaining('run needs a workflow module') })
    expect(await cli(['run', 'workflows/README.md'])).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot load workflow module') })
    expect(await cli(['run', 'workflows/chain/workflow.mjs', '--input', '{oops'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--input is not valid JSON') })
    expect(await cli(['nope'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "nope"') })
    expect(await cli(['stats'], { GRAPH_TASK_MYSQL_URL: '' })).toMatchObject({ code: 2, stderr: expect.stringContaining('--mysql') })
  })

  test('a terminal shows a progress bar that ends at every task', slow, async () => {
    // script(1) gives the command a real pseudo-terminal, as a person would have.
    const { stdout } = await run('script', ['-qec', `${process.execPath} ${kCli} run workflows/fanout/workflow.mjs`, '/dev/null'], { cwd: kRoot })
    expect(stdout).toMatch(/\[#{30}\] 34\/34 tasks/)
  })

  test('the history commands read, retry and count failures in MySQL', slow, async () => {
    const db = await databaseOfThisTest()
    const env = { GRAPH_TASK_MYSQL_URL: db.uri() }
    expect((await cli(['db', 'migrate'], env)).code).toBe(0)
    const failed = await cli(['run', 'workflows/test-subjects/failing-workflow.mjs', '--json'], env)
    const id = JSON.parse(failed.stdout).executionId as string
    const list = await cli(['executions', '--status', 'failed'], env)
    expect(list.stdout).toContain(id)
    expect((await cli(['show', id], env)).stdout).toMatch(/^boom\s+failed/m)
    const retry = await cli(['retry', id, '--workflows', 'workflows/test-subjects/failing-workflow.mjs'], env)
    expect(retry).toMatchObject({ code: 1, stdout: expect.stringContaining(`of ${id}: failed`) })
    // The same task table and error as run prints.
    expect(retry.stdout).toMatch(/^ok\s+success\s+0\s.*reused from/m)
    expect(retry.stdout).toMatch(/^boom\s+failed\s+1\s.*BOOM: failed on purpose/m)
    expect(retry.stdout).toMatch(/^error: task boom: BOOM: failed on purpose/m)
    expect((await cli(['abandon', id], env)).stdout).toContain('abandoned')
    const stats = JSON.parse((await cli(['stats', '--json'], env)).stdout)
    expect(stats.stats).toMatchObject({ totalFailed: 1, abandoned: 1, manualAttempts: 1 })
  })
})
