import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, onTestFinished, test, vi } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import type { MySQLStorageOptions } from '../dist/mysql.js'
import { executionId, failureCase, useTestDatabase } from './helpers/mysql.js'
import { tempDir } from './helpers/engine.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

// Separate Node processes are separate instances: they share only the database.
const kInstance = new URL('./helpers/instance.mjs', import.meta.url).pathname
const kClaim = new URL('./helpers/claim.mjs', import.meta.url).pathname
const slow = { timeout: 60_000 }
const kHeartbeat = { GT_HEARTBEAT: '100,1000' }

const db = useTestDatabase()

interface Child { child: ChildProcess, lines: Promise<any[]>, output: () => string }

function start (script: string, args: string[], env: Record<string, string> = {}, options: MySQLStorageOptions = {}): Child {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, GT_DB: JSON.stringify(db.options(options)), ...env },
    stdio: ['pipe', 'pipe', 'inherit']
  })
  onTestFinished(() => { child.kill('SIGKILL') })
  let text = ''
  child.stdout!.on('data', chunk => { text += chunk })
  const lines = new Promise<any[]>(resolve => child.on('close', () => {
    resolve(text.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l)))
  }))
  return { child, lines, output: () => text }
}

async function last (c: Child): Promise<any> {
  const all = await c.lines
  return all[all.length - 1]
}

async function runs (dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'runs.txt'), 'utf8').catch(() => '')).split('\n').filter(l => l.length > 0)
}

describe('claims across processes', () => {
  test('of 16 processes claiming one case at once, exactly one wins', slow, async () => {
    await db.storage().writeRetryRecords([failureCase(1)])
    const claims = Array.from({ length: 16 }, (_, i) => start(kClaim, [executionId(1), `process-${i}`]))
    await vi.waitFor(() => { expect(claims.every(c => c.output().includes('ready'))).toBe(true) }, { timeout: 30_000, interval: 50 })
    for (const c of claims) c.child.stdin!.write('go\n')
    const outcomes = await Promise.all(claims.map(last))
    expect(outcomes.filter(o => o.won === true)).toHaveLength(1)
    expect(outcomes.filter(o => o.won === false)).toHaveLength(15)
    expect(await db.storage().getRetryRecord(executionId(1))).toMatchObject({ status: 'retrying', manualAttempts: 1 })
  })

  test('a retry held by an instance that is killed is claimed again by another once its heartbeat expires', slow, async () => {
    const dir = await tempDir()
    const failed = await last(start(kInstance, ['run', 'contested', dir]))
    const id = failed.value.executionId
    await writeFile(join(dir, 'marker'), '')
    const holder = start(kInstance, ['retry', id], kHeartbeat)
    // the retry runs `third` and holds there, claimed by `holder`
    await vi.waitFor(async () => { expect((await runs(dir)).filter(t => t === 'third')).toHaveLength(2) }, { timeout: 30_000, interval: 50 })
    holder.child.kill('SIGKILL')
    await holder.lines
    await writeFile(join(dir, 'release'), '')
    // before: the claim was never released and this answered RETRY_CONFLICT forever
    const resumed = await last(start(kInstance, ['retry-when-free', id], kHeartbeat))
    expect(resumed).toMatchObject({ ok: true, value: { status: 'success', retryOf: id } })
    expect((await db.storage().getRetryRecord(id))).toMatchObject({ status: 'recovered', manualAttempts: 2 })
  })

  test('an instance cut off from the database and marked dead closes its interrupted case by its own success', slow, async () => {
    const dir = await tempDir()
    const proxy = await TcpProxy.start(db.host, db.port)
    onTestFinished(() => proxy.close())
    const a = start(kInstance, ['run', 'stalled', dir], kHeartbeat, { host: '127.0.0.1', port: proxy.port, connectTimeout: 500 })
    await vi.waitFor(() => { expect(a.output()).toMatch(/"started":"\w+"/) }, { timeout: 30_000, interval: 50 })
    const id = /"started":"(\w+)"/.exec(a.output())![1]
    await vi.waitFor(async () => {
      const [{ n }] = await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM gt_task_results WHERE execution_id = ?', [id])
      expect([Number(n), (await runs(dir)).includes('third')]).toEqual([2, true])
    }, { timeout: 30_000, interval: 50 })
    proxy.cut()
    const interrupted = await last(start(kInstance, ['wait-interrupted', id], kHeartbeat))
    expect(interrupted.value).toMatchObject({ executionId: id, status: 'pending', reason: 'interrupted' })
    proxy.restore()
    await writeFile(join(dir, 'marker'), '')
    expect(await last(a)).toMatchObject({ ok: true, value: { executionId: id, status: 'success' } })
    // before: the case stayed pending, and a resume would have run a finished execution again
    expect(await db.storage().getRetryRecord(id)).toMatchObject({ status: 'recovered', recoveredBy: id, manualAttempts: 0 })
    expect((await db.storage().getExecution(id))?.status).toBe('success')
  })
})
