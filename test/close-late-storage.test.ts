import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, onTestFinished, test } from 'vitest'
import { Engine } from '../dist/index.js'
import { ExecutionQueue } from '../dist/queue.js'
import { gated } from '../workflows/test-subjects/queued.mjs'
import { memoryLogger } from './helpers/capture.js'
import { useTestDatabase } from './helpers/mysql.js'
import { filesEndingWith, redisUrl, useSideEffectDir, usePrefix } from './helpers/queue.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

const db = useTestDatabase()

describe('close() with storage slow to give its first answer', { timeout: 60_000 }, () => {
  test('the records of what ran are waited for and written, not dropped as if storage were unreachable', async () => {
    // An instance starts serving while its MySQL connection is still being made: the
    // queue hands it executions before storage has answered once.
    const proxy = await TcpProxy.start(db.host, db.port)
    onTestFinished(() => proxy.close())
    proxy.hold()
    const { logger } = memoryLogger('warn')
    const engine = new Engine({ threads: 1, storage: db.storage({ host: '127.0.0.1', port: proxy.port }), logger, tracer: { flushInterval: 20 } })
    onTestFinished(() => engine.close({ cancel: true }))
    await engine.publishWorkflow(gated)
    const queue = new ExecutionQueue({ connection: redisUrl, prefix: usePrefix() })
    onTestFinished(() => queue.close())
    await engine.serve(queue, { concurrency: 1 })
    const dir = await useSideEffectDir()
    const id = await queue.submit('q-gated', { dir })
    await expect.poll(() => filesEndingWith(dir, '.gate.waiting'), { timeout: 20_000 }).toHaveLength(1)
    expect(engine.stats().tracer.recordsWritten).toBe(0)

    // Closed with the execution handed back; storage answers a moment later.
    const closed = engine.close({ cancel: true })
    await delay(300)
    proxy.restore()
    await closed
    expect(engine.stats().tracer.lost).toBe(0)
    const rows = await db.query('SELECT task_id, status FROM gt_task_results WHERE execution_id = ? ORDER BY task_id', [id])
    expect(rows).toEqual([
      { task_id: 'first', status: 'success' },
      { task_id: 'gate', status: 'cancelled' },
      { task_id: 'last', status: 'cancelled' },
      { task_id: 'second', status: 'success' }
    ])
  })
})
