import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, onTestFinished, test } from 'vitest'
import { ensureChromium } from './helpers/chromium.js'

/**
 * `bench --html`: the report opened in headless Chromium draws, for every case, its
 * latency distribution, throughput curve and per-task bars, with the baseline beside them.
 */
const kCli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const kSuite = fileURLToPath(new URL('./fixtures/bench-consumer/suite.mjs', import.meta.url))

function cli (args: readonly string[], cwd: string): Promise<{ code: number, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [kCli, ...args], { cwd, env: { ...process.env, GRAPH_TASK_MYSQL_URL: '' } }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code), stderr })
    })
  })
}

let chromium: string
beforeAll(async () => { chromium = await ensureChromium() }, 600_000)

describe('the HTML report', () => {
  test('draws three charts with content for every case, baseline beside current', { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graph-task-report-'))
    onTestFinished(async () => { await rm(dir, { recursive: true, force: true }) })
    // stderr may warn of a busy machine; the report is drawn all the same.
    expect((await cli(['bench', kSuite, '--save', 'base', '--json'], dir)).code).toBe(0)
    const report = join(dir, 'report.html')
    expect((await cli(['bench', kSuite, '--compare', 'base', '--html', report, '--json'], dir)).code).toBe(0)

    const { chromium: launcher } = await import('playwright-core')
    const browser = await launcher.launch({
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
    })
    onTestFinished(async () => { await browser.close() })
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    // Self-contained: any request beyond the file itself is a failure.
    const requests: string[] = []
    page.on('request', r => { if (r.url() !== pathToFileURL(report).href) requests.push(r.url()) })
    await page.goto(pathToFileURL(report).href)

    const cases = page.locator('section.case')
    expect(await cases.count()).toBe(4)
    expect(await page.locator('.legend').textContent()).toContain('baseline')
    for (let i = 0; i < 4; i++) {
      const section = cases.nth(i)
      const kinds = await section.locator('svg.chart').evaluateAll(svgs => svgs.map(s => s.getAttribute('data-chart')))
      expect(kinds).toEqual(['latency', 'throughput', 'tasks'])
      for (const kind of kinds) {
        const png = await section.locator(`svg.chart[data-chart="${kind as string}"]`).screenshot()
        const drawn = await inkOf(page, png.toString('base64'))
        // Axes and labels alone are not a chart: the current run's data is drawn in blue (bars, a line).
        expect({ case: i, kind, ink: drawn.ink > 0.01, data: drawn.blue > 0.003 }).toEqual({ case: i, kind, ink: true, data: true })
      }
    }
    // The critical path is marked in the per-task chart.
    expect(await page.locator('svg.chart[data-chart="tasks"] text[font-weight="bold"]').count()).toBeGreaterThan(0)
    expect(requests).toEqual([])
  })
})

interface BrowserGlobals {
  Image: new () => { src: string, width: number, height: number, decode: () => Promise<void> }
  document: {
    createElement: (tag: 'canvas') => {
      width: number
      height: number
      getContext: (kind: '2d') => {
        drawImage: (img: unknown, x: number, y: number) => void
        getImageData: (x: number, y: number, w: number, h: number) => { data: Uint8ClampedArray }
      } | null
    }
  }
}

/** Shares of non-white pixels and of the current run's blue (#2f6fdf) in a PNG, decoded by the browser itself. */
async function inkOf (page: import('playwright-core').Page, base64: string): Promise<{ ink: number, blue: number }> {
  return await page.evaluate(async (data) => {
    // The browser's globals, typed by hand: this project's tsconfig has no DOM library.
    const { Image, document } = globalThis as unknown as BrowserGlobals
    const img = new Image()
    img.src = `data:image/png;base64,${data}`
    await img.decode()
    const canvas = document.createElement('canvas')
    canvas.width = img.width
    canvas.height = img.height
    const ctx = canvas.getContext('2d')
    if (ctx === null) throw new Error('no 2d context')
    ctx.drawImage(img, 0, 0)
    const { data: px } = ctx.getImageData(0, 0, img.width, img.height)
    let ink = 0
    let blue = 0
    for (let i = 0; i < px.length; i += 4) {
      if (px[i] < 240 || px[i + 1] < 240 || px[i + 2] < 240) ink++
      if (Math.abs(px[i] - 0x2f) + Math.abs(px[i + 1] - 0x6f) + Math.abs(px[i + 2] - 0xdf) < 60) blue++
    }
    return { ink: ink / (px.length / 4), blue: blue / (px.length / 4) }
  }, base64)
}
