/**
 * Why a handler module did not load, in the worker, as the error a task fails with and
 * publishWorkflow raises:
 *   HANDLER_NOT_FOUND    the module file itself is not there;
 *   HANDLER_LOAD_FAILED  it is there and its own code failed: a syntax error, a throw at its
 *                        top level, an import of its own that is missing.
 * The message names the file, line and column of the failure where V8 gives them.
 *
 * Where they come from, on Node 20:
 *   - a throw at the top level: the first frame of the stack in a file (not node: internals
 *     nor this worker);
 *   - a link error (an import of a name the other module does not export): Node writes
 *     "file:line", the source line and a caret line at the head of the stack;
 *   - a syntax error: nowhere. import() rejects with a SyntaxError whose stack holds only
 *     node:internal frames; Node keeps the location in a private symbol and prints it only
 *     for an uncaught error. So a child process parses the module graph again, with the
 *     error left uncaught, and its stderr gives the location (see probeSyntaxError).
 */
import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { messageOf } from '../wire/error-info.js'
import { commonJsHint } from '../typescript.js'

/** What loadHandler throws; the worker's errorInfo() reads it like any error. */
interface LoadFailure {
  code: 'HANDLER_NOT_FOUND' | 'HANDLER_LOAD_FAILED'
  message: string
  retryable: false
  stack?: string
}

interface Location { file: string, line: number, column?: number }

// This worker's own file: frames from here on are the loader's caller, not the module.
const kSelf = import.meta.url
// "    at fn (file:///a/b.mjs:3:7)" or "    at file:///a/b.mjs:3:7", also with a plain path.
const kFrame = /^ {4}at (?:.*\()?((?:file:\/\/|\/)[^()]*?):(\d+):(\d+)\)?$/
// "file:///a/b.mjs:3", the first line of a stack that Node decorated with the source line.
const kHeader = /^((?:file:\/\/|\/)[^\n]*?):(\d+)\n[^\n]*\n([ \t]*)\^/
const kProbeTimeout = 10_000
const probes = new Map<string, Promise<Location | null>>()

/**
 * The error for a module that import() rejected.
 * @param typescript whether the engine loads .ts handlers (a .ts file without it is a setting, not the module's fault)
 */
export async function loadFailure (url: string, thrown: unknown, typescript: boolean): Promise<LoadFailure> {
  const stack = readString(thrown, 'stack')
  const reason = `${readString(thrown, 'name') ?? 'Error'}: ${messageOf(thrown)}`
  if (!typescript && /\.[cm]?tsx?$/.test(url)) {
    return failure('HANDLER_NOT_FOUND', `cannot load handler module ${url}: ${reason} (TypeScript handlers need new Engine({ typescript: true }))`, stack)
  }
  if (!await isFile(url)) return failure('HANDLER_NOT_FOUND', `cannot load handler module ${url}: there is no file at ${pathOf(url)}`, stack)
  let location = stack === undefined ? null : decoratedLocation(stack) ?? frameLocation(stack)
  if (location === null && readString(thrown, 'name') === 'SyntaxError') location = await probeSyntaxError(url)
  const where = location === null ? '' : ` at ${location.file}:${location.line}${location.column === undefined ? '' : `:${location.column}`}`
  return failure('HANDLER_LOAD_FAILED', `handler module ${url} failed to load: ${reason}${where}${commonJsHint(reason)}`, stack)
}

function failure (code: LoadFailure['code'], message: string, stack: string | undefined): LoadFailure {
  const out: LoadFailure = { code, message, retryable: false }
  if (stack !== undefined) out.stack = stack
  return out
}

function readString (value: unknown, key: string): string | undefined {
  try {
    const read = (value as Record<string, unknown>)[key]
    return typeof read === 'string' ? read : undefined
  } catch {
    return undefined
  }
}

async function isFile (url: string): Promise<boolean> {
  try {
    return (await stat(fileURLToPath(url))).isFile()
  } catch {
    return false
  }
}

/** The location Node wrote at the head of a stack (link errors, and a child's uncaught error). */
function decoratedLocation (stack: string): Location | null {
  const match = kHeader.exec(stack)
  if (match === null || match[1].includes('[eval')) return null
  return { file: pathOf(match[1]), line: Number(match[2]), column: match[3].length + 1 }
}

/** The first frame in a file, before the frames of this worker. */
function frameLocation (stack: string): Location | null {
  for (const line of stack.split('\n', 64)) {
    const match = kFrame.exec(line)
    if (match === null) continue
    if (match[1].startsWith(kSelf)) return null
    return { file: pathOf(match[1]), line: Number(match[2]), column: Number(match[3]) }
  }
  return null
}

function pathOf (file: string): string {
  return file.startsWith('file:') ? fileURLToPath(file) : file
}

/**
 * Where the syntax error in the module graph of `url` is, from a child process that imports
 * it and lets the error go uncaught. Nothing of the graph runs there: the entry also imports
 * a name that a data: module does not export, and that fails when the graph is linked, after
 * every module was parsed and before any is evaluated. Once per module and worker.
 */
function probeSyntaxError (url: string): Promise<Location | null> {
  let probe = probes.get(url)
  if (probe === undefined) {
    const entry = `import ${JSON.stringify(url)}; import { graphTaskProbe } from 'data:text/javascript,'`
    probe = new Promise(resolve => {
      execFile(process.execPath, [...process.execArgv, '--input-type=module', '-e', entry],
        { timeout: kProbeTimeout, windowsHide: true },
        (_err, _stdout, stderr) => resolve(decoratedLocation(String(stderr))))
    })
    probes.set(url, probe)
  }
  return probe
}
