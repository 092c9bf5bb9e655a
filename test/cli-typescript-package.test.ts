/**
 * The packed package, installed in a fresh project as a user would install it: TypeScript
 * workflows and handlers run through the optional peer dependency tsx, and without it the
 * command says which package to install. Nothing here reads the source tree.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { kRoot, type CliOutcome } from './helpers/cli.js'

const exec = promisify(execFile)
const slow = { timeout: 120_000 }

let dir: string
let withTsx: string
let withoutTsx: string

const handler = `import { defineHandler } from 'graph-task/handler'
export default defineHandler(async (input: { n: number }) => {
  console.log('summing to', input.n)
  let total: number = 0
  for (let i = 1; i <= input.n; i++) total += i
  return total
})
`
const workflow = `import { createWorkflow } from 'graph-task'
export const sum = createWorkflow('sum').addTask('sum', { handler: new URL('./sum.ts', import.meta.url) }).build()
`

async function project (name: string, pkg: object, deps: string[]): Promise<string> {
  const path = join(dir, name)
  await mkdir(path)
  await writeFile(join(path, 'package.json'), JSON.stringify({ name, private: true, ...pkg }))
  await writeFile(join(path, 'sum.ts'), handler)
  await writeFile(join(path, 'workflow.ts'), workflow)
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...deps], { cwd: path })
  return path
}

/** `npx graph-task ...` in a consumer project: the installed bin, not this repository's dist/. */
async function graphTask (cwd: string, args: string[]): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await exec('npx', ['--no-install', 'graph-task', ...args], { cwd })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as CliOutcome
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graph-task-consumer-'))
  const { stdout } = await exec('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: kRoot })
  const tarball = join(dir, stdout.trim().split('\n').at(-1)!)
  const ours = JSON.parse(await readFile(join(kRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
  ;[withTsx, withoutTsx] = await Promise.all([
    project('esm-app', { type: 'module' }, [tarball, `tsx@${ours.devDependencies.tsx}`]),
    project('plain-app', { type: 'module' }, [tarball])
  ])
}, 180_000)

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('TypeScript from the packed package in a fresh project', () => {
  test('graph-task run runs a .ts workflow whose handlers are .ts, with no build step', slow, async () => {
    const { code, stdout } = await graphTask(withTsx, ['run', 'workflow.ts', '--input', '{"n":10}'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^sum\s+success\s+1\s/m)
    expect(stdout).toContain('summing to 10')
    expect(stdout).toMatch(/^output of sum: 55$/m)
  })

  test('tsx is not installed with the package: it is an optional peer dependency', slow, async () => {
    expect(existsSync(join(withoutTsx, 'node_modules', 'graph-task'))).toBe(true)
    expect(existsSync(join(withoutTsx, 'node_modules', 'tsx'))).toBe(false)
    expect(existsSync(join(withoutTsx, 'node_modules', 'esbuild'))).toBe(false)
  })

  test('without tsx, a TypeScript workflow fails with one line naming the package to install', slow, async () => {
    const { code, stdout, stderr } = await graphTask(withoutTsx, ['run', 'workflow.ts'])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^graph-task: MISSING_DEPENDENCY: .*"tsx".*npm install --save-dev tsx$/)])
  })

  test('without tsx, an Engine with typescript: true fails to publish a .ts handler with MISSING_DEPENDENCY', slow, async () => {
    await writeFile(join(withoutTsx, 'library.mjs'), `import { Engine, createWorkflow } from 'graph-task'
const engine = new Engine({ typescript: true, threads: 1 })
const wf = createWorkflow('sum').addTask('sum', { handler: new URL('./sum.ts', import.meta.url) }).build()
try { await engine.publishWorkflow(wf) } catch (err) { console.log(JSON.stringify({ name: err.name, code: err.code, message: err.message })) }
await engine.close()
`)
    const { stdout } = await exec(process.execPath, ['library.mjs'], { cwd: withoutTsx })
    expect(JSON.parse(stdout)).toMatchObject({ name: 'HandlerError', code: 'MISSING_DEPENDENCY', message: expect.stringContaining('npm install --save-dev tsx') })
  })

  test('a .ts workflow in a CommonJS package fails with advice to use .mts or "type": "module"', slow, async () => {
    const cjs = join(dir, 'cjs-app')
    await mkdir(cjs)
    await writeFile(join(cjs, 'package.json'), JSON.stringify({ name: 'cjs-app', private: true }))
    await writeFile(join(cjs, 'workflow.ts'), workflow)
    // The same installed packages, seen from a package without "type": "module".
    await exec('ln', ['-s', join(withTsx, 'node_modules'), join(cjs, 'node_modules')])
    const { code, stderr } = await graphTask(cjs, ['run', 'workflow.ts'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/Cannot require\(\) ES Module .* in a cycle/)
    expect(stderr).toContain('rename it to .mts, or add "type": "module"')
  })
})
