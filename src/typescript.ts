/**
 * TypeScript modules (workflows in the CLI, handlers in the workers) load through tsx,
 * an optional peer dependency: imported only when TypeScript is asked for, so that a
 * project without TypeScript never installs it.
 */
import { MissingDependencyError } from './errors.js'

/** `.ts`, `.mts`, `.cts` (and their `x` forms), with or without a `#export` after the path. */
const kTypeScriptFile = /\.[cm]?tsx?(?:#.*)?$/

/** Whether a module path or handler spec names a TypeScript file. */
export function isTypeScriptFile (spec: string): boolean {
  return kTypeScriptFile.test(spec)
}

let registered: Promise<void> | null = null

/**
 * Registers tsx's module hooks on this thread (once), so that `import()` of a `.ts` file works.
 * @throws {MissingDependencyError} MISSING_DEPENDENCY when tsx is not installed
 */
export function registerTypeScript (): Promise<void> {
  registered ??= (async () => {
    let api: { register: () => unknown }
    try {
      api = await import('tsx/esm/api')
    } catch (err) {
      registered = null
      const code = (err as { code?: string }).code
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
        throw new MissingDependencyError('tsx', 'loading TypeScript modules', { cause: err })
      }
      throw err
    }
    api.register()
  })()
  return registered
}

/**
 * Advice for a TypeScript module that Node loaded as CommonJS and then could not load:
 * a `.ts` file in a package without `"type": "module"` is CommonJS to tsx, and an ES module
 * that it requires back in a cycle fails with "Cannot require() ES Module ... in a cycle".
 * @returns the advice to append to the message, or '' when the message is about something else
 */
export function commonJsHint (message: string): string {
  if (!/Cannot require\(\) ES Module|ERR_REQUIRE_CYCLE_MODULE|ERR_REQUIRE_ESM|require\(\) of ES Module/.test(message)) return ''
  return ' (this .ts file was loaded as CommonJS: rename it to .mts, or add "type": "module" to the package.json of its project)'
}
