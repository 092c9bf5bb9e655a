import { describe, expect, test } from 'vitest'
import { createWorkflow, type Engine } from '../dist/index.js'
import { serveConsole } from '../dist/console.js'
import { screenshotWithContent, useBrowser } from './helpers/browser.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()
const newPage = useBrowser()
const slow = { timeout: 120_000 }

async function history (): Promise<{ engine: Engine, url: string, ids: { ok: string[], failed: string[] } }> {
  const engine = startEngine({ storage: db.storage({ tablePrefix: `t${Math.random().toString(36).slice(2, 8)}_` }) })
  await engine.publishWorkflow(createWorkflow('listed')
    .addTask('a', { handler: sharedHandler('noop') })
    .addTask('b', { handler: sharedHandler('noop'), dependsOn: ['a'] })
    .build())
  await engine.publishWorkflow(createWorkflow('broken')
    .addTask('doomed', { handler: subject('fail.mjs'), input: { code: 'E_DOOMED', message: 'no' }, retry: { maxAutoRetries: 0 } })
    .build())
  const ok: string[] = []
  for (let i = 0; i < 27; i++) ok.push((await engine.execute('listed')).executionId)
  const failed = [(await engine.execute('broken')).executionId]
  await engine.flush()
  const server = await serveConsole(engine, { port: 0 })
  return { engine, url: server.url, ids: { ok, failed } }
}

describe('the executions list', () => {
  test('lists the executions of a MariaDB history newest first, with status, workflow and tasks done', slow, async () => {
    const { url, ids } = await history()
    const { page, problems } = await newPage()
    await page.goto(url)
    const rows = page.locator('tr.execution-row')
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(25)
    // the newest is the failed one, started last
    const first = rows.first()
    expect(await first.getAttribute('data-id')).toBe(ids.failed[0])
    expect(await first.locator('td').nth(0).textContent()).toBe('failed')
    expect(await first.locator('td').nth(1).textContent()).toBe('broken')
    expect(await rows.nth(1).locator('td').nth(5).textContent()).toBe('2/2')
    await screenshotWithContent(page)
    expect(problems).toEqual([])
  })

  test('pages with a cursor: the second page holds the oldest executions and no row twice', slow, async () => {
    const { url, ids } = await history()
    const { page, problems } = await newPage()
    await page.goto(url)
    const rows = page.locator('tr.execution-row')
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(25)
    const firstPage = await rows.evaluateAll(trs => trs.map(tr => tr.getAttribute('data-id')))
    await page.click('#next-page')
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(3)
    const secondPage = await rows.evaluateAll(trs => trs.map(tr => tr.getAttribute('data-id')))
    expect(secondPage).toEqual(ids.ok.slice(0, 3).reverse())
    expect(new Set([...firstPage, ...secondPage]).size).toBe(28)
    expect(problems).toEqual([])
  })

  test('filters by status and workflow', slow, async () => {
    const { url, ids } = await history()
    const { page, problems } = await newPage()
    await page.goto(`${url}#/?status=failed`)
    const rows = page.locator('tr.execution-row')
    await expect.poll(() => rows.evaluateAll(trs => trs.map(tr => tr.getAttribute('data-id'))), { timeout: 20_000 }).toEqual(ids.failed)
    await page.fill('input[name=workflow]', 'listed')
    await page.selectOption('select[name=status]', 'success')
    await page.click('#filters button')
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(25)
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(Array(25).fill('listed'))
    expect(problems).toEqual([])
  })
})
