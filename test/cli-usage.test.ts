import { readFile } from 'node:fs/promises'
import { describe, expect, test } from 'vitest'
import { cli, kRoot } from './helpers/cli.js'

const slow = { timeout: 60_000 }

describe('misuse of the command line', () => {
  test('a flag that the command does not take is refused with the closest one it does', slow, async () => {
    const { code, stderr } = await cli(['run', 'workflows/chain/workflow.mjs', '--thread', '2'])
    expect(code).toBe(2)
    expect(stderr).toContain('run does not take --thread; did you mean --threads?')
  })

  test('a flag of another command is refused: each command has its own flags', slow, async () => {
    const { code, stderr } = await cli(['run', 'workflows/chain/workflow.mjs', '--restart'])
    expect(code).toBe(2)
    expect(stderr).toContain('run does not take --restart')
  })

  test('a misuse prints one line and a pointer to the command\'s --help, not the whole help', slow, async () => {
    const { code, stdout, stderr } = await cli(['run'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.trimEnd().split('\n')).toEqual(['graph-task: run needs a workflow module', "See 'graph-task run --help'."])
  })

  test('an unknown command is refused with the closest command', slow, async () => {
    expect(await cli(['runn', 'x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "runn"; did you mean "run"?') })
    expect(await cli(['db', 'migrat'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "db migrat"; did you mean "db migrate"?') })
  })

  test('a string flag without its value is refused, naming the flag', slow, async () => {
    const { code, stderr } = await cli(['run', 'workflows/chain/workflow.mjs', '--threads'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--threads.*argument missing|--threads <value>/)
  })

  test('--help of a command lists its flags and exits 0', slow, async () => {
    const { code, stdout } = await cli(['retry', '--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Usage: graph-task retry <execution-id>/)
    expect(stdout).toMatch(/^ {2}--workflows <module>\s+.*\(repeatable\)$/m)
    expect(stdout).not.toContain('--timeout')
  })

  test('--version prints the version of the package', slow, async () => {
    const { version } = JSON.parse(await readFile(new URL('package.json', `file://${kRoot}`), 'utf8')) as { version: string }
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
  })
})

describe('choosing a workflow from a module', () => {
  const module = 'workflows/test-subjects/two-workflows.mjs'

  test('with several workflows and no choice, the error lists them', slow, async () => {
    const { code, stderr } = await cli(['run', module])
    expect(code).toBe(2)
    expect(stderr).toContain(`${module} exports 2 workflows: large (id "large-one"), small (id "small-one"); choose one with ${module}#large or --workflow large`)
  })

  test('module#name runs the workflow exported under that name', slow, async () => {
    const { code, stdout } = await cli(['run', `${module}#large`])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^large-one \w{26}: success/)
  })

  test('--workflow takes an export name or a workflow id', slow, async () => {
    expect((await cli(['run', module, '--workflow', 'small'])).stdout).toMatch(/^small-one \w{26}: success/)
    expect((await cli(['run', module, '--workflow', 'large-one'])).stdout).toMatch(/^large-one \w{26}: success/)
  })

  test('a name that the module does not export is refused, listing what it does', slow, async () => {
    const { code, stderr } = await cli(['run', `${module}#medium`])
    expect(code).toBe(2)
    expect(stderr).toContain(`${module} has no workflow "medium"; it exports: large (id "large-one"), small (id "small-one")`)
  })
})
