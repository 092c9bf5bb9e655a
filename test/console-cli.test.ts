import { describe, expect, test } from 'vitest'
import { startConsole } from './helpers/console-cli.js'
import { startEngine, subject, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
import { redisUrl, usePrefix, useQueue } from './helpers/queue.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { recoverable } from '../workflows/test-subjects/recoverable.mjs'

const db = useTestDatabase()
const slow = { timeout: 60_000 }

describe('graph-task console', () => {
  test('serves the shared history on 127.0.0.1, refuses actions without the token, and exits 0 on SIGTERM', slow, async () => {
    const engine = startEngine({ storage: db.storage() })
    await engine.publishWorkflow(recoverable)
    const failed = await engine.execute('recoverable', { dir: await tempDir() })
    await engine.flush()
    const { url, stop } = await startConsole(db, ['--token', 'cli-console-token', '--workflows', subject('recoverable.mjs').pathname])
    const list = await (await fetch(`${url}api/executions`)).json() as { executions: Array<{ executionId: string, status: string }> }
    expect(list.executions.map(e => [e.executionId, e.status])).toEqual([[failed.executionId, 'failed']])
    const graph = await (await fetch(`${url}api/executions/${failed.executionId}/graph`)).json() as { stages: string[][] }
    expect(graph.stages).toEqual([['first'], ['second'], ['third'], ['fourth']])
    const refused = await fetch(`${url}api/executions/${failed.executionId}/abandon`, { method: 'POST' })
    expect(refused.status).toBe(401)
    const done = await fetch(`${url}api/executions/${failed.executionId}/abandon`, { method: 'POST', headers: { authorization: 'Bearer cli-console-token' } })
    expect(done.status).toBe(200)
    expect(await stop()).toBe(0)
  })

  test('--read-only refuses actions even with the token', slow, async () => {
    // The console reads only: the schema is made here, not by whichever test ran before.
    await db.storage().init()
    const { url } = await startConsole(db, ['--token', 'cli-console-token', '--read-only'])
    const res = await fetch(`${url}api/executions/01HZ0000000000000000000000/cancel`, { method: 'POST', headers: { authorization: 'Bearer cli-console-token' } })
    expect(res.status).toBe(403)
  })

  // Without --redis wired to the console's queue option, /api/queues answers queue: null.
  test('--redis with --prefix shows that queue on the Queues page, and exits 0 on SIGTERM', slow, async () => {
    await db.storage().init()
    const prefix = usePrefix()
    await useQueue(prefix).schedule('hourly', 'q-anything', {}, { every: 3_600_000 })
    const { url, stop } = await startConsole(db, ['--redis', redisUrl, '--prefix', prefix])
    const body = await (await fetch(`${url}api/queues`)).json() as { queue: { workflows: Array<{ workflowId: string }>, schedules: Array<{ name: string }> } }
    expect(body.queue.workflows.map(w => w.workflowId)).toEqual(['q-anything'])
    expect(body.queue.schedules.map(s => s.name)).toEqual(['hourly'])
    expect(await stop()).toBe(0)
  })
})
