import { describe, expect, onTestFinished, test } from 'vitest'
import { ExecutionQueue } from '../dist/queue.js'
import { redisUrl, usePrefix } from './helpers/queue.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

const target = new URL(redisUrl)

describe('a client with Redis away', { timeout: 30_000 }, () => {
  test('submit and the other calls reject with QUEUE_UNAVAILABLE after unavailableAfter, and the trouble is logged once', async () => {
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379))
    onTestFinished(() => proxy.close())
    const lines: string[] = []
    const logger = { warn: (_o: unknown, msg: string) => lines.push(`warn ${msg}`), info: (msg: string) => lines.push(`info ${msg}`), debug: () => {} }
    const queue = new ExecutionQueue({ connection: `redis://127.0.0.1:${proxy.port}`, prefix: usePrefix(), unavailableAfter: 500, logger: logger as any })
    onTestFinished(() => queue.close())
    proxy.cut()
    await expect(queue.submit('q-single', {}, { waitForServer: true })).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' })
    await expect(queue.getExecutionStatus('some-id')).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' })
    await expect(queue.counts('q-single')).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' })
    expect(lines.filter(l => l.startsWith('warn'))).toHaveLength(1)
    proxy.restore()
    // Back: the same client works again, and says so once.
    await expect.poll(async () => (await queue.counts('q-single').catch(() => null))?.waiting, { timeout: 10_000 }).toBeGreaterThanOrEqual(0)
    await expect.poll(() => lines.filter(l => l.startsWith('info'))).toHaveLength(1)
  })
})
