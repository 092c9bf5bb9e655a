/**
 * Chromium for browser tests. The global set-up installs it when missing; a browser test
 * still asks for it in its own set-up, which is then a check (and the install when a
 * single file runs with a set-up of its own):
 *
 *   let chromium: string
 *   beforeAll(async () => { chromium = await ensureChromium() }, 600_000)
 */
import { runEnsureScript } from './ensure.js'

const kChromium = '/usr/bin/chromium'
let ready: Promise<string> | undefined

/**
 * The path of the Chromium executable, once scripts/ensure-chromium.sh has made sure it is
 * installed (once per test process).
 * @throws {Error} when it is missing and cannot be installed (no root, no network), with the script's words
 */
export function ensureChromium (): Promise<string> {
  ready ??= runEnsureScript('ensure-chromium.sh', 'browser tests need Chromium',
    'Install it with `sudo bash scripts/ensure-chromium.sh` (Debian\'s chromium package).').then(() => kChromium)
  return ready
}
