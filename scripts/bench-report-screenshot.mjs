#!/usr/bin/env node
/**
 * Makes docs/bench-report.png, the README's picture of `graph-task bench --html`: the
 * suite of test/fixtures/bench-consumer is saved as a baseline, its `transform` handler
 * is made three times slower, and the comparison's report is opened in headless Chromium
 * (/usr/bin/chromium, or CHROMIUM) and photographed.
 *
 *   npx tsup --silent && node scripts/bench-report-screenshot.mjs
 */
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'

const root = fileURLToPath(new URL('..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'graph-task-shot-'))
try {
  // Inside the checkout's tree `import 'graph-task'` resolves to this package; copy the suite next to it.
  const suiteDir = join(root, 'test', 'fixtures', '.shot-suite')
  cpSync(join(root, 'test', 'fixtures', 'bench-consumer'), suiteDir, { recursive: true })
  try {
    const cli = (...args) => execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'bench', join(suiteDir, 'suite.mjs'), ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
    cli('--save', 'main', '--json')
    const slow = join(suiteDir, 'slow.mjs')
    writeFileSync(slow, readFileSync(slow, 'utf8').replace('const kMicros = 1500', 'const kMicros = 4500'))
    cli('--compare', 'main', '--html', join(dir, 'report.html'), '--json')
  } finally {
    rmSync(suiteDir, { recursive: true, force: true })
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
  })
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(pathToFileURL(join(dir, 'report.html')).href)
    const out = join(root, 'docs', 'bench-report.png')
    await page.screenshot({ path: out, fullPage: false })
    console.log(`wrote ${out}`)
  } finally {
    await browser.close()
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
