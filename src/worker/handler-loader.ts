/**
 * Handler modules of one worker thread, loaded by URL once and kept: `import()` of the
 * module (through tsx for TypeScript files when the engine asks), its export by name,
 * and what went wrong when it cannot be had, as the typed codes the main thread reports.
 */
import { ErrorCodes } from '../errors.js'
import { isTypeScriptFile, registerTypeScript } from '../typescript.js'
import type { HandlerProblem, ValidateMessage } from '../wire/batch-format.js'
import { errorInfo } from '../wire/error-info.js'
import { loadFailure } from './load-failure.js'

const handlers = new Map<string, Function>()

/** The handler of `spec` (a `file:` URL with `#export`), loaded on first use. */
export function handlerOf (spec: string, typescript: boolean): Function | Promise<Function> {
  return handlers.get(spec) ?? loadHandler(spec, typescript)
}

/** @param failing called when the import has failed, before the (sometimes slow) description of why */
async function loadHandler (spec: string, typescript: boolean, failing?: () => void): Promise<Function> {
  const hash = spec.indexOf('#')
  const url = hash === -1 ? spec : spec.slice(0, hash)
  const name = hash === -1 ? 'default' : decodeURIComponent(spec.slice(hash + 1))
  // tsx registers module hooks for this worker: TypeScript handlers load with no build step.
  if (typescript && isTypeScriptFile(url)) {
    await registerTypeScript().catch((err: Error & { code?: string }) => {
      failing?.()
      throw Object.assign(new Error(err.message), { code: err.code, retryable: false })
    })
  }
  let mod: Record<string, unknown>
  try {
    mod = await import(url)
  } catch (err) {
    failing?.()
    throw await loadFailure(url, err, typescript)
  }
  let fn = mod[name]
  // A CommonJS module compiled from ESM puts its default export at exports.default.
  if (name === 'default' && typeof fn !== 'function' && typeof (fn as { default?: unknown })?.default === 'function') {
    fn = (fn as { default: unknown }).default
  }
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`handler module ${url} has no function export "${name}" (found ${typeof fn})`),
      { code: 'HANDLER_NOT_FUNCTION', retryable: false })
  }
  handlers.set(spec, fn as Function)
  return fn as Function
}

/**
 * Loads each handler; answers with the problems found, for validation at publish time.
 * `progress[0]` says which one is loading (its index + 1): the main thread's time limit
 * counts from there (see handler-validation.ts). It turns negative once that import has
 * failed: finding where a syntax error is may take a child process, which has its own limit.
 */
const kLoadCodes: ReadonlySet<string> = new Set([ErrorCodes.HANDLER_NOT_FOUND, ErrorCodes.HANDLER_NOT_FUNCTION, ErrorCodes.HANDLER_LOAD_FAILED, ErrorCodes.HANDLER_LOAD_TIMEOUT, ErrorCodes.MISSING_DEPENDENCY])

export async function validateHandlers ({ specs, progress }: ValidateMessage, typescript: boolean): Promise<HandlerProblem[]> {
  const problems: HandlerProblem[] = []
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]
    Atomics.store(progress, 0, i + 1)
    try {
      if (!handlers.has(spec)) await loadHandler(spec, typescript, () => Atomics.store(progress, 0, -(i + 1)))
    } catch (err) {
      const info = errorInfo(err)
      problems.push({ handler: spec, code: kLoadCodes.has(info.code) ? info.code as HandlerProblem['code'] : ErrorCodes.HANDLER_LOAD_FAILED, message: info.message })
    }
  }
  return problems
}
