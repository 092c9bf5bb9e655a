/// <reference lib="dom" />
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { serveConsole } from '../dist/console.js'
import { createWorkflow } from '../dist/index.js'
import { useBrowser } from './helpers/browser.js'
import { startEngine, subject, tempDir } from './helpers/engine.js'

const newPage = useBrowser()
const slow = { timeout: 120_000 }
const h = (name: string): URL => subject(`cached.mjs#${name}`)

const cached = createWorkflow('console-cached')
  .addTask('files', { handler: h('files') })
  .addTask('work', { handler: h('work'), map: 'files', cache: true })
  .addTask('one', { handler: h('work'), input: { value: 9 }, cache: true })
  .build()

describe('cached results in the console', () => {
  // Drawing a task without its cached mark (the cachedBadge() calls in renderTask and
  // renderInstances of render.js removed) fails this test (checked).
  test('a task and the instances that took their output from the cache carry the badge; a run that computed them does not', slow, async () => {
    const engine = startEngine()
    await engine.publishWorkflow(cached)
    const dir = await tempDir()
    await writeFile(join(dir, 'items.json'), JSON.stringify([{ value: 1 }, { value: 2 }]))
    const cold = await engine.execute(cached, { dir })
    const warm = await engine.execute(cached, { dir })
    expect(warm.tasks.one.cached).toBe(true)
    const server = await serveConsole(engine, { port: 0, pollInterval: 0 })
    const { page, problems } = await newPage()
    const badges = async (id: string): Promise<{ one: number, instances: number }> => {
      await page.goto(`${server.url}#/executions/${id}`)
      await page.locator('.dag-svg g.node[data-task=one]').click()
      const one = page.locator('.task-detail[data-task=one]')
      await expect.poll(() => one.count(), { timeout: 20_000 }).toBe(1)
      const oneBadges = await one.locator('.badge.cached').count()
      await page.locator('.dag-svg g.node[data-task=work]').click()
      const rows = page.locator('.task-detail[data-task=work] .instance-row')
      await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(2)
      return { one: oneBadges, instances: await rows.locator('.badge.cached').count() }
    }
    expect(await badges(warm.executionId)).toEqual({ one: 1, instances: 2 })
    expect(await badges(cold.executionId)).toEqual({ one: 0, instances: 0 })
    expect(problems).toEqual([])
  })
})
