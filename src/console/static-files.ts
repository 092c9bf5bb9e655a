/**
 * The console's page, styles and scripts: the `web/` folder beside this module, shipped with the package
 * (package.json "files"), read once and served from memory. Only these names are
 * served, so no path from a request ever reaches the file system.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EngineError, ErrorCodes } from '../errors.js'
import { packageFile } from '../package-root.js'

interface StaticFile { type: string, body: Buffer }

const kFiles: Readonly<Record<string, string>> = Object.freeze({
  'console.html': 'text/html; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'report.js': 'text/javascript; charset=utf-8'
})

let cached: Map<string, StaticFile> | undefined

/** The console's web folder, shipped with the package beside this module's source. */
function webDir (): string {
  const dir = packageFile('src/console/web')
  if (dir === null || !existsSync(join(dir, 'console.html'))) {
    throw new EngineError(ErrorCodes.INVALID_OPTIONS, `cannot find graph-task's console web folder above ${fileURLToPath(import.meta.url)}; it ships with the package`)
  }
  return dir
}

/** Every file the console serves, by name. */
export function staticFiles (): Map<string, StaticFile> {
  if (cached !== undefined) return cached
  const dir = webDir()
  const files = new Map<string, StaticFile>()
  for (const [name, type] of Object.entries(kFiles)) files.set(name, { type, body: readFileSync(join(dir, name)) })
  cached = files
  return files
}

/** The text of one file of web/. */
export function staticText (name: string): string {
  const file = staticFiles().get(name)
  if (file === undefined) throw new EngineError(ErrorCodes.INVALID_OPTIONS, `no console file ${name}`)
  return file.body.toString('utf8')
}
