/**
 * Each concern has its own entry point, and `graph-task` loads the core alone: a user of
 * the in-memory default pays for none of the drivers. Seen from outside, in a child process
 * that records every package it loads (test/fixtures/record-imports.mjs).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { kRoot } from './helpers/cli.js'

const exec = promisify(execFile)
const kDrivers = ['mysql2', 'tinybench', 'bullmq', 'ioredis', '@opentelemetry/api']

async function packagesLoadedBy (code: string, type: 'module' | 'commonjs'): Promise<string[]> {
  const { stdout } = await exec(process.execPath, ['--import', './test/fixtures/record-imports.mjs', `--input-type=${type}`, '-e', code], { cwd: kRoot })
  return JSON.parse(stdout.trim().split('\n').pop()!) as string[]
}

describe('entry points', () => {
  test('importing graph-task loads none of the drivers', async () => {
    const loaded = await packagesLoadedBy("await import('./dist/index.js')", 'module')
    expect(loaded).toContain('piscina')
    expect(loaded.filter(name => kDrivers.includes(name))).toEqual([])
  })

  test('running a workflow on the in-memory default loads no storage, queue or bench driver', async () => {
    // @opentelemetry/api is the exception: when installed it is imported at the first
    // publishWorkflow, so that spans reach an SDK the application registers.
    const loaded = await packagesLoadedBy(`
      import { Engine, createWorkflow } from './dist/index.js'
      const engine = new Engine({ threads: 1 })
      await engine.publishWorkflow(createWorkflow('w').addTask('a', { handler: new URL('./workflows/shared/handlers.mjs#noop', 'file://${kRoot}') }).build())
      const result = await engine.execute('w')
      if (result.status !== 'success') throw new Error(result.status)
      await engine.close()`, 'module')
    expect(loaded.filter(name => kDrivers.includes(name) && name !== '@opentelemetry/api')).toEqual([])
  })

  test('requiring graph-task from CommonJS loads none of the drivers either', async () => {
    const loaded = await packagesLoadedBy("require('./dist/index.cjs')", 'commonjs')
    expect(loaded).toContain('piscina')
    expect(loaded.filter(name => kDrivers.includes(name))).toEqual([])
  })

  test('the mysql entry point is the one that loads mysql2', async () => {
    // The check above can fail: the recorder sees a driver when an entry does load it.
    expect(await packagesLoadedBy("await import('./dist/mysql.js')", 'module')).toContain('mysql2')
  })
})
