/// <reference lib="dom" />
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { createWorkflow } from '../dist/index.js'
import { serveConsole } from '../dist/console.js'
import { useBrowser } from './helpers/browser.js'
import { startEngine, subject, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
// @ts-expect-error: a plain .mjs handler module without types
import { kClosing, kPayload } from '../workflows/test-subjects/xss.mjs'

const db = useTestDatabase()
const newPage = useBrowser()
const slow = { timeout: 120_000 }

async function markupInHistory () {
  const engine = startEngine({ storage: db.storage() })
  await engine.publishWorkflow(createWorkflow('xss')
    .addTask('writes', { handler: subject('xss.mjs') })
    .addTask('throws', { handler: subject('xss.mjs'), input: { fail: true }, retry: { maxAutoRetries: 0 } })
    .build())
  const result = await engine.execute('xss')
  expect(result.status).toBe('failed')
  return { engine, result }
}

describe('values from history in the console', () => {
  test('a log line, an output and an error holding <img onerror> show as text and run nothing', slow, async () => {
    const { engine, result } = await markupInHistory()
    const server = await serveConsole(engine, { port: 0 })
    const { page, problems } = await newPage()
    await page.goto(`${server.url}#/executions/${result.executionId}`)
    const messages = page.locator('.logs td.message')
    await expect.poll(() => messages.allTextContents(), { timeout: 20_000 }).toContain(`${kPayload} {"html":"${kPayload}"}`)
    expect(await page.locator('.execution > pre.error').textContent()).toContain(`failed with ${kPayload}`)
    await page.locator('.dag-svg g.node[data-task=writes]').click()
    await expect.poll(() => page.locator('.task-detail pre.output').textContent(), { timeout: 20_000 }).toContain(kPayload)
    // the markup is text: no element was made from it, and its handler never ran
    expect(await page.locator('main img').count()).toBe(0)
    expect(problems).toEqual([])
  })

  test('in the --html report too, the markup stays text and cannot close the inlined data', slow, async () => {
    const { engine, result } = await markupInHistory()
    await engine.flush()
    const file = join(await tempDir(), 'report.html')
    await promisify(execFile)(process.execPath, [join(import.meta.dirname, '../dist/cli.js'), 'show', result.executionId, '--html', file],
      { env: { ...process.env, GRAPH_TASK_MYSQL_URL: db.uri() } })
    const { page, problems } = await newPage()
    await page.goto(pathToFileURL(file).href)
    await expect.poll(() => page.locator('.logs td.message').allTextContents(), { timeout: 20_000 }).toContain(`${kPayload} {"html":"${kPayload}"}`)
    expect(await page.locator('.logs td.message').allTextContents()).toContain(kClosing)
    expect(await page.locator('img').count()).toBe(0)
    expect(problems).toEqual([])
  })

  test('the console refuses inline script: its pages carry a Content-Security-Policy', slow, async () => {
    const engine = startEngine()
    const server = await serveConsole(engine, { port: 0 })
    const res = await fetch(server.url)
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self';/)
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/)
    const { page, problems } = await newPage()
    await page.goto(server.url)
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 20_000 }).toBe('live')
    // an inline script added to the page is refused by the browser
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script')
      script.textContent = 'window.inlineRan = true'
      document.body.appendChild(script)
      await new Promise(resolve => setTimeout(resolve, 0))
      return (window as unknown as { inlineRan?: boolean }).inlineRan === true
    })
    expect(ran).toBe(false)
    expect(problems.filter(p => !/Content Security Policy/.test(p))).toEqual([])
  })
})
