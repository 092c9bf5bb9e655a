/**
 * Makes docs/console-execution.png, the README's picture of the console: runs the image
 * pipeline on an engine in memory (one task made to fail once, so that a retry shows),
 * opens its execution page in headless Chromium, selects a task and takes a screenshot.
 *
 *   npx tsup --silent && node --import tsx scripts/console-screenshot.ts
 */
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { createWorkflow, Engine } from '../dist/index.js'
import { serveConsole } from '../dist/console.js'
import { ensureChromium } from '../test/helpers/chromium.js'

const root = join(import.meta.dirname, '..')
const pipeline = (await import(join(root, 'workflows/image-pipeline/workflow.mjs'))).default
const engine = new Engine({ threads: 4 })
try {
  // the image pipeline with a flaky quality check after the edges, to show a retry
  const builder = createWorkflow('image-pipeline').setVersion('1.0.0')
  for (const task of pipeline.tasks) builder.addTask(task.id, { name: task.name, handler: task.handler, dependsOn: task.dependsOn, input: task.input })
  builder.addTask('check', { name: 'Quality check', handler: new URL('../workflows/test-subjects/flaky.mjs', import.meta.url), dependsOn: ['edges'], input: { succeedOn: 2 }, retry: { retryDelay: 20 } })
  await engine.publishWorkflow(builder.build())
  const result = await engine.execute('image-pipeline', { width: 768, height: 768 })
  const server = await serveConsole(engine, { port: 0 })
  const browser = await chromium.launch({ executablePath: await ensureChromium(), args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${server.url}#/executions/${result.executionId}`)
    await page.locator('.dag-svg g.node[data-task=check]').click()
    await page.locator('.task-detail').waitFor()
    const file = join(root, 'docs/console-execution.png')
    await page.screenshot({ path: file, fullPage: true })
    process.stdout.write(`wrote ${file} (execution ${result.executionId}: ${result.status})\n`)
  } finally {
    await browser.close()
  }
} finally {
  await engine.close()
}
