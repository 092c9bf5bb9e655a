import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, onTestFinished, test } from 'vitest'
import { serverSettings, useTestDatabase } from './helpers/mysql.js'
import { filesEndingWith, redisUrl, useSideEffectDir, usePrefix, useQueue } from './helpers/queue.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

const kCli = new URL('../dist/cli.js', import.meta.url).pathname
const kRoot = new URL('..', import.meta.url).pathname
const db = useTestDatabase()

interface Served { pid: number, port: number, signal: (s: NodeJS.Signals) => void, alive: () => boolean }

/** `graph-task serve --health-port 0` with the given flags; its port read from what it prints. */
async function serve (prefix: string, flags: string[], mysqlUri = db.uri(), redis = redisUrl): Promise<Served> {
  const child = spawn(process.execPath, [kCli, 'serve', '--workflows', 'workflows/test-subjects/queued.mjs', '--mysql', mysqlUri,
    '--redis', redis, '--prefix', prefix, '--health-port', '0', ...(flags.includes('--threads') ? [] : ['--threads', '1']), ...flags], { cwd: kRoot, stdio: ['ignore', 'ignore', 'pipe'] })
  const exited = new Promise<void>(resolve => child.on('close', () => resolve()))
  onTestFinished(async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited } })
  let stderr = ''
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', chunk => {
      stderr += chunk
      const match = /health on port (\d+)/.exec(stderr)
      if (match !== null && stderr.includes(' serves ')) resolve(Number(match[1]))
    })
    child.on('close', code => reject(new Error(`serve exited ${String(code)}: ${stderr}`)))
  })
  return { pid: child.pid!, port, signal: s => child.kill(s), alive: () => child.exitCode === null && child.signalCode === null }
}

async function get (port: number, path: string): Promise<{ status: number, body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: res.status, body: await res.json() }
}

describe('health, readiness and drain of graph-task serve over HTTP', { timeout: 90_000 }, () => {
  test('/healthz answers alive; /readyz is 503 while Redis or MySQL does not answer, and 200 again once they do', async () => {
    const prefix = usePrefix()
    const redisProxy = await TcpProxy.start('127.0.0.1', Number(new URL(redisUrl).port || 6379))
    const { host, port } = serverSettings()
    const mysqlProxy = await TcpProxy.start(host, port)
    onTestFinished(async () => { await redisProxy.close(); await mysqlProxy.close() })
    const mysqlUri = db.uri().replace(`:${port}/`, `:${mysqlProxy.port}/`)
    const server = await serve(prefix, [], mysqlUri, `redis://127.0.0.1:${redisProxy.port}`)
    expect(await get(server.port, '/healthz')).toEqual({ status: 200, body: { alive: true } })
    await expect.poll(() => get(server.port, '/readyz'), { timeout: 20_000 })
      .toEqual({ status: 200, body: { ready: true, storage: true, redis: true, draining: false } })

    redisProxy.mute()
    await expect.poll(() => get(server.port, '/readyz'), { timeout: 20_000 }).toMatchObject({ status: 503, body: { ready: false, redis: false } })
    expect((await get(server.port, '/healthz')).status).toBe(200)
    redisProxy.restore()
    await expect.poll(() => get(server.port, '/readyz'), { timeout: 30_000 }).toMatchObject({ status: 200, body: { ready: true } })

    mysqlProxy.mute()
    await expect.poll(() => get(server.port, '/readyz'), { timeout: 20_000 }).toMatchObject({ status: 503, body: { ready: false, storage: false } })
    mysqlProxy.restore()
    await expect.poll(() => get(server.port, '/readyz'), { timeout: 30_000 }).toMatchObject({ status: 200, body: { ready: true } })
  })

  test('SIGUSR2 drains: not ready, no new execution taken, the one held finishes, and the process stays up', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    const server = await serve(prefix, [])
    const held = await queue.submit('q-gated', { dir })
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(1)
    server.signal('SIGUSR2')
    await expect.poll(() => get(server.port, '/readyz'), { timeout: 10_000 }).toMatchObject({ status: 503, body: { ready: false, draining: true } })
    // Nothing serves q-single any more: it may only wait for another instance.
    await expect(queue.submit('q-single', { dir })).rejects.toMatchObject({ code: 'WORKFLOW_NOT_SERVED' })
    const later = await queue.submit('q-single', { dir }, { waitForServer: true })
    await writeFile(join(dir, 'release'), '')
    expect((await queue.getExecutionResult(held)).status).toBe('success')
    await delay(1000)
    // A fetch in flight as it paused may have taken it: given back untouched, it waits.
    expect(await queue.getExecutionStatus(later)).toMatchObject({ state: 'waiting' })
    expect(existsSync(join(dir, `${later}.only.starts`))).toBe(false)
    expect(server.alive()).toBe(true)
    expect((await get(server.port, '/healthz')).status).toBe(200)
    expect((await get(server.port, '/readyz')).status).toBe(503)
  })

  test('--max-running caps executions across workflows: one held in q-gated keeps q-single from starting', async () => {
    const prefix = usePrefix()
    const queue = useQueue(prefix)
    const dir = await useSideEffectDir()
    // Two threads: the held gate task leaves one free, so only the cap keeps q-single waiting.
    await serve(prefix, ['--max-running', '1', '--concurrency', '4', '--threads', '2'])
    const gated = await queue.submit('q-gated', { dir })
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(1)
    const single = await queue.submit('q-single', { dir })
    await delay(1500)
    expect(existsSync(join(dir, `${single}.only.starts`))).toBe(false)
    await writeFile(join(dir, 'release'), '')
    expect((await queue.getExecutionResult(gated)).status).toBe('success')
    expect((await queue.getExecutionResult(single)).status).toBe('success')
  })
})
