/// <reference lib="dom" />
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, onTestFinished, test } from 'vitest'
import { createConsole, serveConsole } from '../dist/console.js'
import { createWorkflow } from '../dist/index.js'
import { useBrowser } from './helpers/browser.js'
import { sharedHandler, startEngine, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { stalled } from '../workflows/test-subjects/recoverable.mjs'

const db = useTestDatabase()
const newPage = useBrowser()
const slow = { timeout: 120_000 }

describe('live updates', () => {
  test('the execution page follows a running execution to its end without a reload', slow, async () => {
    const engine = startEngine({ storage: db.storage() })
    await engine.publishWorkflow(stalled)
    const dir = await tempDir()
    const id = await engine.executeAsync('stalled', { dir })
    // engine events only: storage polling would see the end too, and hide a missing subscription
    const server = await serveConsole(engine, { port: 0, pollInterval: 0 })
    const { page, problems } = await newPage()
    await page.goto(`${server.url}#/executions/${id}`)
    const third = page.locator('.dag-svg g.node[data-task=third]')
    await expect.poll(() => third.getAttribute('data-status'), { timeout: 20_000 }).toBe('running')
    expect(await page.locator('.execution').getAttribute('data-status')).toBe('running')
    await page.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true })
    await writeFile(join(dir, 'marker'), '')
    await expect.poll(() => page.locator('.execution').getAttribute('data-status'), { timeout: 20_000 }).toBe('success')
    expect(await page.locator('.dag-svg g.node').evaluateAll(gs => gs.map(g => g.getAttribute('data-status')))).toEqual(Array(4).fill('success'))
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true)
    expect(problems).toEqual([])
  })

  test('a console over storage alone shows an execution another instance starts, by polling', slow, async () => {
    const prefix = `l${Math.random().toString(36).slice(2, 8)}_`
    const storage = db.storage({ tablePrefix: prefix })
    await storage.init()
    const handler = createConsole(storage, { pollInterval: 50 })
    const server = createServer(handler)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => new Promise<void>(resolve => { handler.close(); server.closeAllConnections(); server.close(() => resolve()) }))
    const { page, problems } = await newPage()
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 20_000 }).toBe('live')
    await expect.poll(() => page.locator('td.muted').textContent(), { timeout: 20_000 }).toBe('No executions match.')
    const other = startEngine({ storage: db.storage({ tablePrefix: prefix }) })
    await other.publishWorkflow(createWorkflow('elsewhere').addTask('a', { handler: sharedHandler('noop') }).build())
    const result = await other.execute('elsewhere')
    await other.flush()
    const row = page.locator(`tr.execution-row[data-id="${result.executionId}"]`)
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1)
    expect(await row.locator('td').first().textContent()).toBe('success')
    expect(problems).toEqual([])
  })
})
