import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { execution, executionId, span, task, useTestDatabase } from './helpers/mysql.js'

const run = promisify(execFile)
const kCli = new URL('../dist/cli.js', import.meta.url).pathname
const db = useTestDatabase()
const kDay = 86_400_000
const slow = { timeout: 60_000 }

async function cli (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [kCli, ...args])
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const uri = (): string => db.uri()
const count = async (table: string): Promise<number> => Number((await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n)

describe('graph-task db purge and db stats', () => {
  test('db purge --dry-run says what would go and changes nothing; db purge then removes it', slow, async () => {
    const storage = db.storage()
    const old = Date.now() - 40 * kDay
    await storage.writeRecords({ executions: [execution(1, { startedAt: old, updatedAt: old, endedAt: old }), execution(2)], tasks: [task(1, 'a'), task(2, 'a')], retries: [] })
    await storage.close()
    const dry = await cli(['db', 'purge', '--mysql', uri(), '--older-than', '30d', '--dry-run'])
    expect(dry).toMatchObject({ code: 0, stderr: '' })
    expect(dry.stdout).toMatch(/^would remove what is older than \d{4}-\d\d-\d\dT/)
    expect(dry.stdout).toMatch(/^executions\s+1\s*$/m)
    expect(dry.stdout).toMatch(/^task_results\s+1\s*$/m)
    expect(await count('gt_executions')).toBe(2)
    const done = await cli(['db', 'purge', '--mysql', uri(), '--older-than', '30d', '--json'])
    expect(done.code).toBe(0)
    expect(JSON.parse(done.stdout)).toMatchObject({ ran: true, dryRun: false, removed: { executions: 1, taskResults: 1 } })
    expect((await db.query<RowDataPacket[]>('SELECT id FROM gt_executions')).map(r => r.id)).toEqual([executionId(2)])
  })

  test('db stats shows every table with its rows, oldest and newest record, and the partitions of spans and logs', slow, async () => {
    const storage = db.storage()
    await storage.writeSpans([span(3, 1)])
    await storage.close()
    const text = await cli(['db', 'stats', '--mysql', uri()])
    expect(text.code).toBe(0)
    for (const t of ['gt_executions', 'gt_task_results', 'gt_spans', 'gt_logs', 'gt_retry_records']) expect(text.stdout).toMatch(new RegExp(`^${t}\\s`, 'm'))
    expect(text.stdout).toMatch(/^gt_spans: p\d{8} \.\. pmax; holding rows/m)
    const json = JSON.parse((await cli(['db', 'stats', '--mysql', uri(), '--json'])).stdout)
    const spans = json.tables.find((t: { table: string }) => t.table === 'gt_spans')
    expect(spans).toMatchObject({ oldest: span(3, 1).startTime, newest: span(3, 1).startTime })
    expect(spans.partitions.map((p: { name: string }) => p.name)).toContain('pmax')
    expect(spans.partitions.at(-1)).toEqual({ name: 'pmax', rows: expect.any(Number), bytes: expect.any(Number) })
  })

  test('a malformed or missing --older-than is misuse: exit code 2 and a message naming the flag', slow, async () => {
    const bad = await cli(['db', 'purge', '--mysql', uri(), '--older-than', '7 days'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--older-than must be a positive duration.*"7 days"/)
    const missing = await cli(['db', 'purge', '--mysql', uri()])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/db purge needs --older-than <age>/)
    const misplaced = await cli(['db', 'stats', '--mysql', uri(), '--dry-run'])
    expect(misplaced).toMatchObject({ code: 2, stderr: expect.stringMatching(/db stats does not take --dry-run/) })
  })
})
