import { describe, expect, onTestFinished, test } from 'vitest'
import { useBrowser } from './helpers/browser.js'
import { startConsole } from './helpers/console-cli.js'
import { sharedHandler, startEngine, tempDir } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
import { createWorkflow, MemoryStorage } from '../dist/index.js'
import { serveConsole } from '../dist/console.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { recoverable } from '../workflows/test-subjects/recoverable.mjs'

const db = useTestDatabase()
const newPage = useBrowser()
const slow = { timeout: 90_000 }
const kToken = 'console-truth-token'

/** A failed and a successful execution, recorded by an engine that has closed since. */
async function history (): Promise<{ failed: string, succeeded: string }> {
  const engine = startEngine({ storage: db.storage() })
  await engine.publishWorkflow(recoverable)
  const fine = createWorkflow('fine').addTask('a', { handler: sharedHandler('noop') }).addTask('b', { handler: sharedHandler('noop'), dependsOn: ['a'] }).build()
  await engine.publishWorkflow(fine)
  const failed = (await engine.execute('recoverable', { dir: await tempDir() })).executionId
  const succeeded = (await engine.execute('fine')).executionId
  await engine.close()
  return { failed, succeeded }
}

describe('the console tells what it can do', () => {
  test('without --workflows it draws the DAG from history and disables retry with the reason', slow, async () => {
    const { failed } = await history()
    const { url } = await startConsole(db, ['--token', kToken])
    const { page, problems } = await newPage()
    await page.goto(`${url}#/executions/${failed}`)
    await expect.poll(() => page.locator('.dag-svg path.edge').count(), { timeout: 20_000 }).toBe(3)
    const retry = page.locator('button[data-action=retry]').first()
    expect(await retry.isDisabled()).toBe(true)
    expect(await page.locator('.action-reason[data-reason-for=retry]').first().textContent()).toContain('--workflows')
    // Abandon works on a pending case with the token; cancel does not on an execution that ended.
    expect(await page.locator('button[data-action=abandon]').isDisabled()).toBe(false)
    expect(await page.locator('button[data-action=cancel]').isDisabled()).toBe(true)
    expect(await page.locator('.action-reason[data-reason-for=cancel]').textContent()).toBe('the execution is failed')
    expect(await page.locator('p.summary').textContent()).toContain('2 of 4 tasks succeeded, 1 failed, 1 skipped')
    expect(problems).toEqual([])
  })

  test('the failures page labels its columns and offers the actions of each case', slow, async () => {
    const { failed } = await history()
    const { url } = await startConsole(db, ['--token', kToken])
    const { page, problems } = await newPage()
    await page.goto(`${url}#/failures`)
    const row = page.locator(`tr.failure-row[data-execution="${failed}"]`)
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1)
    expect(await page.locator('table.stats th').first().textContent()).toBe('Failed')
    expect(await row.locator('button[data-action=abandon]').isDisabled()).toBe(false)
    expect(await row.locator('button[data-action=retry]').first().isDisabled()).toBe(true)
    expect(problems).toEqual([])
  })

  test('the API says why each action cannot work on a successful execution', slow, async () => {
    const { succeeded } = await history()
    const { url } = await startConsole(db, ['--token', kToken])
    const view = await (await fetch(`${url}api/executions/${succeeded}`)).json() as { actions: Record<string, { enabled: boolean, reason?: string }> }
    expect(view.actions).toEqual({
      retry: { enabled: false, reason: 'the execution succeeded' },
      abandon: { enabled: false, reason: 'the execution succeeded' },
      cancel: { enabled: false, reason: 'the execution is success' }
    })
  })

  test('a failed execution whose case is still in the engine\'s buffer offers retry, not "no failure case"', slow, async () => {
    // Nothing reaches storage by itself for a minute: the case is only in the recorder's buffer.
    const engine = startEngine({ storage: new MemoryStorage(), tracer: { flushInterval: 60_000 } })
    await engine.publishWorkflow(recoverable)
    const failed = (await engine.execute('recoverable', { dir: await tempDir() })).executionId
    const server = await serveConsole(engine, { port: 0, token: kToken })
    onTestFinished(() => server.close())
    const view = await (await fetch(`${server.url}api/executions/${failed}`)).json() as { actions: Record<string, { enabled: boolean, reason?: string }> }
    expect(view.actions.retry).toEqual({ enabled: true })
    expect(view.actions.abandon).toEqual({ enabled: true })
  })

    test('every bad parameter is a 400 that names it', slow, async () => {
    await db.storage().migrate()
    const { url } = await startConsole(db, [])
    for (const [query, name] of [['to=99999999999999999', 'to'], ['from=yesterday', 'from'], ['from=-5', 'from'], ['limit=0', 'limit'],
      ['limit=1e3', 'limit'], ['status=done', 'status'], ['cursor=a%20b', 'cursor'], ['workflow=', 'workflow'], ['sort=id', 'sort']]) {
      const res = await fetch(`${url}api/executions?${query}`)
      const body = await res.json() as { error?: { code: string, message: string } }
      expect([res.status, body.error?.code], query).toEqual([400, 'BAD_REQUEST'])
      expect(body.error!.message, query).toContain(name)
    }
  })
})
