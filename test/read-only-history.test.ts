import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test, vi } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { cli } from './helpers/cli.js'
import { startConsole } from './helpers/console-cli.js'
import { startEngine, tempDir } from './helpers/engine.js'
import { instance, runs } from './helpers/instances.js'
import { useTestDatabase } from './helpers/mysql.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { recoverable } from '../workflows/test-subjects/recoverable.mjs'

const db = useTestDatabase()
const slow = { timeout: 90_000 }

/** A checksum of every table of the database, its rows included: any write changes it. */
async function snapshot (): Promise<string> {
  const tables = (await db.query<RowDataPacket[]>('SHOW TABLES')).map(r => String(Object.values(r)[0])).sort()
  const sums = await db.query<RowDataPacket[]>(`CHECKSUM TABLE ${tables.map(t => `\`${t}\``).join(', ')} EXTENDED`)
  return JSON.stringify(sums.map(r => [r.Table, r.Checksum]))
}

let prepared: Promise<{ failedId: string, deadId: string }> | undefined

/** The history every test reads: a failed execution, and a running one whose instance died. */
function history (): Promise<{ failedId: string, deadId: string }> {
  prepared ??= (async () => {
    const engine = startEngine({ storage: db.storage() })
    await engine.publishWorkflow(recoverable)
    const failedId = (await engine.execute('recoverable', { dir: await tempDir() })).executionId
    await engine.close()
    // An instance that dies while its execution runs: a scan would now mark it interrupted.
    const dir = await tempDir()
    const dead = instance(db, ['run', 'stalled', dir], { GT_HEARTBEAT: '100,500' })
    const deadId = await dead.started
    await vi.waitFor(async () => expect(await runs(dir).catch(() => [])).toContain('third'), { timeout: 20_000, interval: 20 })
    await vi.waitFor(async () => expect(await db.query('SELECT status FROM gt_task_results WHERE execution_id = ?', [deadId])).toHaveLength(2),
      { timeout: 20_000, interval: 20 })
    dead.child.kill('SIGKILL')
    await dead.lines
    // Dead for an hour: any instance's scan (heartbeatTimeout 30 s by default) would now mark it interrupted.
    await db.query('UPDATE gt_executions SET started_at = started_at - INTERVAL 1 HOUR, updated_at = updated_at - INTERVAL 1 HOUR WHERE id = ?', [deadId])
    await db.query('UPDATE gt_instances SET heartbeat_at = heartbeat_at - INTERVAL 1 HOUR')
    return { failedId, deadId }
  })()
  return prepared
}

describe('reading the history writes nothing', () => {
  test('executions, show, show --html, stats and db stats leave every table as it was', slow, async () => {
    const { failedId, deadId } = await history()
    const env = { GRAPH_TASK_MYSQL_URL: db.uri() }
    const html = join(await tempDir(), 'report.html')
    const before = await snapshot()
    for (const args of [['executions'], ['executions', '--json'], ['show', deadId], ['show', failedId, '--json'],
      ['show', deadId, '--html', html], ['stats'], ['db', 'stats']]) {
      const out = await cli(args, { env })
      expect(out.stderr, args.join(' ')).toBe('')
      expect(out.code, args.join(' ')).toBe(0)
      expect(await snapshot(), args.join(' ')).toBe(before)
    }
    // The dead instance's execution is shown as the history has it, not changed by reading.
    expect((await cli(['executions', '--json'], { env })).stdout).toContain(`"status": "running"`)
    // The report draws the DAG from the shape kept in history, with no --workflows.
    expect(await readFile(html, 'utf8')).toContain('"dependsOn":["second"]')
  })

  test('every read of a console without --workflows leaves every table as it was', slow, async () => {
    const { failedId, deadId } = await history()
    const { url } = await startConsole(db, [])
    const before = await snapshot()
    for (const path of ['', 'api/executions', `api/executions/${deadId}`, `api/executions/${deadId}/logs`, `api/executions/${deadId}/trace`,
      `api/executions/${deadId}/graph`, `api/executions/${failedId}`, 'api/failures', 'api/instances', 'api/stats', 'api/openapi.json']) {
      const res = await fetch(url + path)
      expect(res.status, path).toBe(200)
      await res.arrayBuffer()
      expect(await snapshot(), path).toBe(before)
    }
    // The live stream polls storage while a client listens.
    const events = await fetch(url + 'api/events')
    await new Promise(resolve => setTimeout(resolve, 1500))
    await events.body?.cancel()
    expect(await snapshot(), 'api/events').toBe(before)
  })

  test('a database without the schema: one line naming graph-task db migrate, exit 1, nothing created', slow, async () => {
    const empty = `${db.name}_empty`
    await db.query(`CREATE DATABASE \`${empty}\``)
    try {
      const uri = db.uri().replace(/\/[^/]+$/, `/${empty}`)
      for (const args of [['executions'], ['show', '01HZ0000000000000000000000'], ['stats'], ['db', 'stats'], ['console', '--port', '0']]) {
        const out = await cli(args, { env: { GRAPH_TASK_MYSQL_URL: uri } })
        expect(out.code, args.join(' ')).toBe(1)
        expect(out.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
        expect(out.stderr, args.join(' ')).toContain('graph-task db migrate')
      }
      expect(await db.query(`SHOW TABLES FROM \`${empty}\``)).toEqual([])
    } finally {
      await db.query(`DROP DATABASE \`${empty}\``)
    }
  })
})
