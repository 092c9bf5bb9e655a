/**
 * The console's page, styles and scripts: the `web/` folder shipped with the package
 * (package.json "files"), read once and served from memory. Only these names are
 * served, so no path from a request ever reaches the file system.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EngineError, ErrorCodes } from '../errors.js'

export interface StaticFile { type: string, body: Buffer }

const kFiles: Readonly<Record<string, string>> = Object.freeze({
  'console.html': 'text/html; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'report.js': 'text/javascript; charset=utf-8'
})

let cached: Map<string, StaticFile> | undefined

/** The `web/` folder: walks up from this module (src/console/ from source, dist/ when built). */
export function webDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (existsSync(join(dir, 'web', 'console.html')) && existsSync(join(dir, 'package.json'))) return join(dir, 'web')
    const parent = dirname(dir)
    if (parent === dir) {
      throw new EngineError(ErrorCodes.INVALID_OPTIONS, `cannot find graph-task's web/ folder above ${fileURLToPath(import.meta.url)}; it ships with the package`)
    }
    dir = parent
  }
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
