/// <reference lib="dom" />
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, onTestFinished, test } from 'vitest'
import { serveConsole } from '../dist/console.js'
import { useBrowser } from './helpers/browser.js'
import { tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
import { serveInstance, usePrefix, useQueue } from './helpers/queue.js'

const db = useTestDatabase()
const newPage = useBrowser()
const slow = { timeout: 120_000 }

describe('the console\'s Queues page', () => {
  // Without the queues route (or with an overview that lists only served workflows)
  // the rows below are missing: the unserved workflow's waiting job, the instance that
  // serves and runs, the schedule.
  test('shows per workflow what waits and runs, who serves it, which instance runs what, and the schedules', slow, async () => {
    const prefix = usePrefix()
    const instance = serveInstance(db, prefix)
    const instanceId = await instance.ready
    const queue = useQueue(prefix)
    // held at its gate until the instance is killed when the test ends: released, it would
    // write into the directory while the directory is being removed
    const dir = await tempDir()
    const held = await queue.submit('q-gated', { dir })
    // nothing serves this one: its job waits
    await queue.submit('q-nobody', {}, { waitForServer: true })
    // a schedule fires at once: on a workflow nothing serves, its job waits beside q-nobody's
    await queue.schedule('nightly', 'q-nightly', {}, { every: 86_400_000 })
    await expect.poll(() => existsSync(join(dir, `${held}.gate.waiting`)), { timeout: 30_000 }).toBe(true)

    const server = await serveConsole(db.storage(), { port: 0, pollInterval: 0, queue })
    onTestFinished(() => server.close())
    const read = async (): Promise<any> => (await fetch(`${server.url}api/queues`)).json()
    // the history has the running execution once the instance's records reach storage
    await expect.poll(async () => (await read()).running.length, { timeout: 20_000 }).toBe(1)
    const body = await read()
    const row = (id: string) => body.queue.workflows.find((w: { workflowId: string }) => w.workflowId === id)
    expect(row('q-gated')).toMatchObject({ servedBy: [instanceId], counts: { active: 1, waiting: 0 } })
    expect(row('q-nobody')).toMatchObject({ servedBy: [], counts: { waiting: 1, active: 0 } })
    expect(row('q-single').servedBy).toEqual([instanceId])
    expect(body.queue.schedules).toEqual([expect.objectContaining({ name: 'nightly', workflowId: 'q-nightly', every: 86_400_000 })])
    expect(row('q-nightly')).toMatchObject({ servedBy: [], counts: { active: 0 } })
    expect(body.running).toEqual([expect.objectContaining({ executionId: held, workflowId: 'q-gated', instanceId })])

    const { page, problems } = await newPage()
    await page.goto(`${server.url}#/queues`)
    const gated = page.locator('.queue-row[data-workflow=q-gated]')
    await expect.poll(() => gated.locator('.count[data-state=active]').textContent(), { timeout: 20_000 }).toBe('1')
    expect(await gated.locator('.served').textContent()).toBe(instanceId)
    expect(await gated.textContent()).toContain(`${held} on ${instanceId}`)
    expect(await page.locator('.queue-row[data-workflow=q-nobody] .served').textContent()).toBe('no live instance')
    expect(await page.locator('.queue-row[data-workflow=q-nobody] .count[data-state=waiting]').textContent()).toBe('1')
    expect(await page.locator('.schedule-row').textContent()).toContain('nightly')
    expect(problems).toEqual([])
  })

  test('without a queue the page says how to give one, and the API says why', slow, async () => {
    const server = await serveConsole(db.storage(), { port: 0, pollInterval: 0 })
    onTestFinished(() => server.close())
    const body = await (await fetch(`${server.url}api/queues`)).json() as any
    expect(body).toEqual({ queue: null, reason: expect.stringContaining('--redis') })
    const { page, problems } = await newPage()
    await page.goto(`${server.url}#/queues`)
    await expect.poll(() => page.locator('#main .reason').textContent(), { timeout: 20_000 }).toContain('start it with --redis')
    expect(problems).toEqual([])
  })

  test('a queue option without overview() is refused, naming the option', async () => {
    await expect(serveConsole(db.storage(), { port: 0, queue: {} as never })).rejects.toThrow(/queue must be an ExecutionQueue/)
  })
})
