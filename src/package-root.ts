/**
 * Files that ship beside the code (the MySQL migrations, the console's page) are found from
 * the package's root: the nearest folder above this module whose package.json is
 * graph-task's. From source that is the checkout; built, `dist/` sits right under it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: { dir: string, version: string } | null | undefined

function packageRoot (): { dir: string, version: string } | null {
  if (cached !== undefined) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string, version?: string }
        if (json.name === 'graph-task') return (cached = { dir, version: json.version ?? 'unknown' })
      } catch {}
    }
    const parent = dirname(dir)
    if (parent === dir) return (cached = null)
    dir = parent
  }
}

/** The absolute path of a file shipped with the package, or null when the package root is not found. */
export function packageFile (path: string): string | null {
  const root = packageRoot()
  return root === null ? null : join(root.dir, path)
}

/** graph-task's own version, from its package.json. */
export function packageVersion (): string {
  return packageRoot()?.version ?? 'unknown'
}
