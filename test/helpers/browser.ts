/// <reference lib="dom" />
/**
 * Headless Chromium for the console's tests (playwright-core driving Debian's chromium),
 * one browser per test file, one page per test, each closed when its owner finishes.
 * A page records its script errors and refused content (CSP), which a test expects empty.
 */
import { afterAll, beforeAll, expect, onTestFinished } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ensureChromium } from './chromium.js'

const kFlags = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

/** A page with what went wrong in it so far. */
export interface TestPage { page: Page, problems: string[] }

/** The browser of the calling test file: launched before its tests, closed after. */
export function useBrowser (): () => Promise<TestPage> {
  let browser: Browser | undefined
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: await ensureChromium(), args: kFlags })
  }, 600_000)
  afterAll(async () => { await browser?.close() })
  return async () => {
    if (browser === undefined) throw new Error('the browser is launched in beforeAll')
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    onTestFinished(() => page.close())
    const problems: string[] = []
    page.on('pageerror', err => problems.push(`page error: ${err.message}`))
    page.on('dialog', dialog => { problems.push(`dialog: ${dialog.message()}`); void dialog.dismiss() })
    page.on('console', message => {
      if (message.type() !== 'error') return
      const { url } = message.location()
      problems.push(`console: ${message.text()}${url !== '' ? ` (${url})` : ''}`)
    })
    return { page, problems }
  }
}

/**
 * Takes a screenshot and checks that it shows something: the share of pixels that
 * differ from the top-left one (the page's background) is above `minShare`. Counted
 * by the page itself on a canvas, so no image library is needed. Returns the PNG.
 */
export async function screenshotWithContent (page: Page, minShare = 0.02, path?: string): Promise<Buffer> {
  const png = await page.screenshot({ fullPage: true, path })
  const share = await page.evaluate(async (dataUrl: string) => {
    const image = new Image()
    image.src = dataUrl
    await image.decode()
    const canvas = document.createElement('canvas')
    canvas.width = image.width
    canvas.height = image.height
    const ctx = canvas.getContext('2d')!
    ctx.drawImage(image, 0, 0)
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data
    let differing = 0
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) differing++
    }
    return differing / (data.length / 4)
  }, `data:image/png;base64,${png.toString('base64')}`)
  expect(share, 'share of the screenshot that is not background').toBeGreaterThan(minShare)
  return png
}
