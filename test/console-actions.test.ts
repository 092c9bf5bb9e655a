import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { Engine } from '../dist/index.js'
import { serveConsole } from '../dist/console.js'
import { screenshotWithContent, useBrowser } from './helpers/browser.js'
import { lines, startEngine, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { recoverable, stalled } from '../workflows/test-subjects/recoverable.mjs'

const db = useTestDatabase()
const newPage = useBrowser()
const slow = { timeout: 120_000 }
const kToken = 'console-test-token'

interface ApiError { error: { code: string, message: string } }

async function failed (consoleOptions: Record<string, unknown> = { token: kToken }): Promise<{ engine: Engine, url: string, id: string, dir: string }> {
  const dir = await tempDir()
  // tables of its own: the failures page lists every case in them
  const engine = startEngine({ storage: db.storage({ tablePrefix: `a${Math.random().toString(36).slice(2, 8)}_` }) })
  await engine.publishWorkflow(recoverable)
  await engine.publishWorkflow(stalled)
  const result = await engine.execute('recoverable', { dir })
  const server = await serveConsole(engine, { port: 0, ...consoleOptions })
  return { engine, url: server.url, id: result.executionId, dir }
}

function post (url: string, path: string, body: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  return fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) })
}

describe('actions from the console', () => {
  test('the retry button resumes a failed execution when the token is given', slow, async () => {
    const { engine, url, id, dir } = await failed()
    await writeFile(join(dir, 'marker'), '')
    const { page, problems } = await newPage()
    await page.goto(`${url}#/executions/${id}`)
    await page.fill('#token', kToken)
    await page.dispatchEvent('#token', 'change')
    await page.getByRole('button', { name: 'Retry (resume)' }).click()
    const link = page.locator('#retry-link')
    await expect.poll(() => link.count(), { timeout: 20_000 }).toBe(1)
    const retryId = (await link.textContent())!
    expect((await engine.getExecutionResult(retryId).then(r => r)).retryOf).toBe(id)
    await expect.poll(async () => (await engine.getExecutionStatus(retryId)).status, { timeout: 20_000 }).toBe('success')
    // resumed: first and second ran once (their outputs reused), third twice then once more
    expect(await lines(join(dir, 'runs.txt'))).toEqual(['first', 'second', 'third', 'third', 'third', 'fourth'])
    expect(problems).toEqual([])
  })

  test('without the token, or with a wrong one, the retry is refused and nothing runs', slow, async () => {
    const { engine, url, id, dir } = await failed()
    const { page, problems } = await newPage()
    await page.goto(`${url}#/executions/${id}`)
    await page.getByRole('button', { name: 'Retry (resume)' }).click()
    await expect.poll(() => page.locator('#action-message').textContent(), { timeout: 20_000 }).toMatch(/^Retry \(resume\) refused \(401\): UNAUTHORIZED/)
    const wrong = await post(url, `api/executions/${id}/retry`, {}, 'not-the-token')
    expect(wrong.status).toBe(401)
    expect((await wrong.json() as ApiError).error.code).toBe('UNAUTHORIZED')
    const [failure] = await engine.getFailedExecutions()
    expect(failure).toMatchObject({ executionId: id, status: 'pending', manualAttempts: 0 })
    expect(await lines(join(dir, 'runs.txt'))).toEqual(['first', 'second', 'third', 'third'])
    expect(problems.filter(p => !p.includes('401'))).toEqual([])
  })

  test('a read-only console, and one started without a token, refuse every action with 403', slow, async () => {
    const readOnly = await failed({ token: kToken, readOnly: true })
    for (const action of ['retry', 'abandon', 'cancel']) {
      const res = await post(readOnly.url, `api/executions/${readOnly.id}/${action}`, {}, kToken)
      expect(res.status).toBe(403)
      expect((await res.json() as ApiError).error.code).toBe('FORBIDDEN')
    }
    const tokenless = await failed({})
    const res = await post(tokenless.url, `api/executions/${tokenless.id}/retry`, {}, kToken)
    expect(res.status).toBe(403)
    expect((await tokenless.engine.getFailedExecutions())[0].status).toBe('pending')
  })

  test('abandon closes the failure case, and the failures page lists it as abandoned', slow, async () => {
    const { url, id } = await failed()
    const res = await post(url, `api/executions/${id}/abandon`, { reason: 'not worth it' }, kToken)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ executionId: id, status: 'abandoned', abandonedReason: 'not worth it' })
    const { page, problems } = await newPage()
    await page.goto(`${url}#/failures`)
    const row = page.locator('tr.failure-row')
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1)
    expect(await row.locator('td').first().textContent()).toBe(id)
    expect(await row.locator('td').nth(2).textContent()).toBe('abandoned')
    await screenshotWithContent(page)
    expect(problems).toEqual([])
  })

  test('cancel stops an execution running on the console\'s engine', slow, async () => {
    const { engine, url } = await failed()
    const running = await engine.executeAsync('stalled', { dir: await tempDir() })
    const res = await post(url, `api/executions/${running}/cancel`, {}, kToken)
    expect(res.status).toBe(200)
    expect((await engine.getExecutionResult(running)).status).toBe('cancelled')
    const again = await post(url, `api/executions/${running}/cancel`, {}, kToken)
    expect(again.status).toBe(409)
  })
})
