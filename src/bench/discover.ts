/**
 * `bench <module | folder | glob> ...`: finds the suites and workflows to measure.
 *
 * A folder is searched recursively (node_modules and dot folders skipped) for modules
 * (.mjs .js .cjs .ts .mts); a glob supports `*`, `**` and `?`. A module that exports a
 * suite contributes the suite; otherwise each workflow it exports becomes a one-entry
 * suite with a `default` case. A workflow that a suite covers is not also run bare.
 * Modules that export neither (handler files next to workflows) are passed over.
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, join, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { BenchError, ErrorCodes } from '../errors.js'
import { isWorkflow, type Workflow } from '../workflow/builder.js'
import { isSuite, type SuiteDefinition } from './suite.js'

const kModule = /\.(mjs|js|cjs|ts|mts)$/
const kGlobChars = /[*?]/

/** A suite with the name it is reported under. */
export interface FoundSuite extends SuiteDefinition {
  name: string
}

/**
 * Imports every module the arguments name and returns their suites.
 * @param input the input of the bare workflows' `default` case (the CLI's `--input`)
 * @throws {BenchError} BENCH_NOTHING_FOUND when an argument matches no file, a module fails to load, or nothing exports a workflow
 */
export async function discoverSuites (args: readonly string[], input?: unknown): Promise<FoundSuite[]> {
  const files: string[] = []
  for (const arg of args) {
    const matched = await expand(arg)
    if (matched.length === 0) throw new BenchError(ErrorCodes.BENCH_NOTHING_FOUND, `bench: ${arg} matches no module`)
    for (const f of matched) if (!files.includes(f)) files.push(f)
  }
  const suites: FoundSuite[] = []
  const bare: Array<{ file: string, workflow: Workflow }> = []
  for (const file of files) {
    const mod = await load(file)
    const exported = [mod.default, ...Object.entries(mod).filter(([k]) => k !== 'default').map(([, v]) => v)]
    const suite = exported.find(isSuite)
    if (suite !== undefined) {
      suites.push({ ...suite, name: suite.name ?? basename(file).replace(kModule, '') })
      continue
    }
    for (const value of exported) {
      if (isWorkflow(value) && !bare.some(b => b.workflow === value)) bare.push({ file, workflow: value })
    }
  }
  const covered = new Set(suites.flatMap(s => s.workflows.map(e => e.workflow.id)))
  for (const { file, workflow } of bare) {
    if (covered.has(workflow.id)) continue
    covered.add(workflow.id)
    suites.push({ name: basename(file).replace(kModule, ''), workflows: [{ workflow, cases: { default: { input } } }] })
  }
  if (suites.length === 0) {
    throw new BenchError(ErrorCodes.BENCH_NOTHING_FOUND, `bench: no workflow or suite exported by ${files.join(', ')}: ` +
      "export default createWorkflow('id')...build(), or export default defineSuite({ workflows: [...] })")
  }
  return suites
}

async function load (file: string): Promise<Record<string, unknown>> {
  try {
    return await import(pathToFileURL(file).href) as Record<string, unknown>
  } catch (err) {
    throw new BenchError(ErrorCodes.BENCH_NOTHING_FOUND, `bench: cannot load ${file}: ${(err as Error).message}`, { cause: err })
  }
}

/** The files an argument names: itself, the modules under a folder, or the matches of a glob. */
async function expand (arg: string): Promise<string[]> {
  if (!kGlobChars.test(arg)) {
    const path = resolve(arg)
    const info = await stat(path).catch(() => undefined)
    if (info === undefined) return []
    return info.isDirectory() ? (await walk(path)).filter(f => kModule.test(f)) : [path]
  }
  const parts = arg.split(/[\\/]/)
  const firstGlob = parts.findIndex(p => kGlobChars.test(p))
  const root = resolve(parts.slice(0, firstGlob).join('/') || '.')
  const pattern = globToRegExp(parts.slice(firstGlob).join('/'))
  const files = await walk(root)
  return files.filter(f => kModule.test(f) && pattern.test(relative(root, f).split(sep).join('/')))
}

async function walk (dir: string): Promise<string[]> {
  const out: string[] = []
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue
    const path = join(dir, e.name)
    if (e.isDirectory()) out.push(...await walk(path))
    else if (e.isFile()) out.push(path)
  }
  return out
}

/** `**` any folders (or none), `*` any characters but `/`, `?` one such character. */
function globToRegExp (glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/'
      re += slash ? '(?:.*/)?' : '.*'
      i += slash ? 2 : 1
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}
