import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { screenshotWithContent, useBrowser } from './helpers/browser.js'
import { startEngine, subject, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
import { serveConsole } from '../dist/console.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { recoverable } from '../workflows/test-subjects/recoverable.mjs'

const db = useTestDatabase()
const newPage = useBrowser()
const slow = { timeout: 120_000 }

// first -> second -> third (fails both attempts) -> fourth (skipped): four tasks, four attempts.
async function failedExecution (): Promise<{ url: string, id: string, attempts: number }> {
  const engine = startEngine({ storage: db.storage() })
  await engine.publishWorkflow(recoverable)
  const result = await engine.execute('recoverable', { dir: await tempDir() })
  expect(result.status).toBe('failed')
  const attempts = Object.values(result.tasks).reduce((n, t) => n + t.attempts, 0)
  await engine.flush() // the report is made by another process, from storage
  const server = await serveConsole(engine, { port: 0 })
  return { url: server.url, id: result.executionId, attempts }
}

async function expectExecutionPage (page: Page, attempts: number): Promise<void> {
  const nodes = page.locator('.dag-svg g.node')
  await expect.poll(() => nodes.count(), { timeout: 20_000 }).toBe(4)
  expect(await nodes.evaluateAll(gs => gs.map(g => `${g.getAttribute('data-task')}:${g.getAttribute('data-status')}`)))
    .toEqual(['first:success', 'second:success', 'third:failed', 'fourth:skipped'])
  expect(await page.locator('canvas.waterfall').getAttribute('data-bars')).toBe(String(attempts))
  // the failed attempts of `third` are on the critical path, which the graph marks too
  expect(await page.locator('.dag-svg g.node.critical').count()).toBeGreaterThan(0)
}

describe('the execution page', () => {
  test('shows the DAG coloured by status and a waterfall with one bar per attempt', slow, async () => {
    const { url, id, attempts } = await failedExecution()
    expect(attempts).toBe(4)
    const { page, problems } = await newPage()
    await page.goto(`${url}#/executions/${id}`)
    await expectExecutionPage(page, attempts)
    await screenshotWithContent(page)
    expect(problems).toEqual([])
  })

  test("clicking a task shows its attempts, its error and its logs", slow, async () => {
    const { url, id } = await failedExecution()
    const { page, problems } = await newPage()
    await page.goto(`${url}#/executions/${id}`)
    await page.locator('.dag-svg g.node[data-task=third]').click()
    const detail = page.locator('.task-detail[data-task=third]')
    await expect.poll(() => detail.count(), { timeout: 20_000 }).toBe(1)
    expect(await detail.locator('tr').count()).toBe(3) // header and two attempts
    expect(await detail.locator('pre.error').textContent()).toMatch(/^NO_MARKER: marker .* does not exist yet$/)
    expect(problems).toEqual([])
  })

  test('the trace API returns the spans the waterfall draws, the root first', slow, async () => {
    const { url, id, attempts } = await failedExecution()
    const trace = await (await fetch(`${url}api/executions/${id}/trace`)).json() as { spans: Array<{ taskId?: string, attributes: Record<string, unknown> }> }
    expect(trace.spans[0].taskId).toBeUndefined()
    expect(trace.spans.filter(s => s.taskId === 'third').map(s => s.attributes['graph_task.task.attempt'])).toEqual([1, 2])
    expect(trace.spans.length).toBe(attempts + 1)
  })

  test('show --html writes one file that draws the same page from disk, with no server', slow, async () => {
    const { id, attempts } = await failedExecution()
    const file = join(await tempDir(), 'report.html')
    // No --workflows: the DAG comes from the shape the history keeps.
    await promisify(execFile)(process.execPath, [join(import.meta.dirname, '../dist/cli.js'), 'show', id, '--html', file],
      { env: { ...process.env, GRAPH_TASK_MYSQL_URL: db.uri() } })
    const { page, problems } = await newPage()
    const requests: string[] = []
    page.on('request', r => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()) })
    await page.goto(pathToFileURL(file).href)
    await expectExecutionPage(page, attempts)
    expect(await page.locator('.logs tbody tr').count()).toBeGreaterThan(2)
    await screenshotWithContent(page)
    expect(requests).toEqual([])
    expect(problems).toEqual([])
  })
})
