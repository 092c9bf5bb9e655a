import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

/** A mapped workflow in a benchmark suite: measured like any other, its mapped task one row. */
const kCli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const kIndex = new URL('../dist/index.js', import.meta.url).href
const kBench = new URL('../dist/bench.js', import.meta.url).href
const kMap = new URL('../workflows/test-subjects/map.mjs', import.meta.url).href
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graph-task-bench-mapped-'))
  await writeFile(join(dir, 'mapped.mjs'), `import { createWorkflow } from '${kIndex}'\n` +
    `export default createWorkflow('mapped').addTask('list', { handler: '${kMap}#list' })\n` +
    `  .addTask('parse', { handler: '${kMap}#element', map: 'list' })\n` +
    `  .addTask('gather', { handler: '${kMap}#gather', dependsOn: ['parse'], input: { from: 'parse' } }).build()\n`)
  await writeFile(join(dir, 'suite.mjs'), `import { defineSuite } from '${kBench}'\nimport mapped from './mapped.mjs'\n` +
    'export default defineSuite({ workflows: [{ workflow: mapped, cases: { four: { input: { count: 4 } }, forty: { input: { count: 40 } } } }] })\n')
})
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('a mapped workflow in a benchmark suite', () => {
  test('each case runs its instances, and the report has the mapped task as one row on the critical path', { timeout: 120_000 }, async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [kCli, 'bench', 'suite.mjs', '--time', '40', '--min-samples', '2', '--concurrency', '1', '--threads', '1', '--json'],
        { cwd: dir, env: { ...process.env, GRAPH_TASK_MYSQL_URL: '' } }, (err, out, errText) => err === null ? resolve(out) : reject(new Error(errText)))
    })
    const cases = (JSON.parse(stdout) as { cases: Array<{ id: string, tasks: number, taskTimings: Array<{ taskId: string, run: number }>, criticalPath: string[] }> }).cases
    expect(cases.map(c => c.id)).toEqual(['mapped/four', 'mapped/forty'])
    for (const c of cases) {
      expect(c.taskTimings.map(t => t.taskId)).toEqual(['list', 'parse', 'gather'])
      expect(c.taskTimings.every(t => t.run > 0)).toBe(true)
      expect(c.criticalPath).toEqual(['list', 'parse', 'gather'])
    }
  })
})
