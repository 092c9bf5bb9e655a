/**
 * The entry points as a user gets them: the packed tarball installed in a fresh project,
 * imported as ES modules, required from CommonJS, and type-checked through the package's
 * `exports` map, each door with one of its names.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { kRoot } from './helpers/cli.js'
import { packedConsumer, type PackedConsumer } from './helpers/packed.js'

const exec = promisify(execFile)
const slow = { timeout: 180_000 }

// One name each door must export, and one it must not (a name of another door).
const kDoors: Record<string, { has: string, lacks: string }> = {
  'graph-task': { has: 'Engine', lacks: 'MySQLStorage' },
  'graph-task/handler': { has: 'defineHandler', lacks: 'Engine' },
  'graph-task/mysql': { has: 'MySQLStorage', lacks: 'Engine' },
  'graph-task/queue': { has: 'ExecutionQueue', lacks: 'MySQLStorage' },
  'graph-task/console': { has: 'serveConsole', lacks: 'ExecutionQueue' },
  'graph-task/bench': { has: 'defineSuite', lacks: 'serveConsole' },
  'graph-task/otel': { has: 'executeUnderTraceparent', lacks: 'Engine' }
}

let consumer: PackedConsumer

beforeAll(async () => { consumer = await packedConsumer() }, 300_000)
afterAll(async () => { await consumer?.remove() })

async function node (file: string): Promise<Record<string, string[]>> {
  const { stdout } = await exec(process.execPath, [file], { cwd: consumer.dir })
  return JSON.parse(stdout) as Record<string, string[]>
}

describe('the packed entry points', () => {
  test('each door imports as an ES module with its own names', slow, async () => {
    await writeFile(join(consumer.dir, 'doors.mjs'), `const out = {}
for (const name of ${JSON.stringify(Object.keys(kDoors))}) out[name] = Object.keys(await import(name))
console.log(JSON.stringify(out))`)
    const names = await node('doors.mjs')
    for (const [door, { has, lacks }] of Object.entries(kDoors)) {
      expect(names[door], door).toContain(has)
      expect(names[door], door).not.toContain(lacks)
    }
  })

  test('each door requires from CommonJS with the same names', slow, async () => {
    await writeFile(join(consumer.dir, 'doors.cjs'), `const out = {}
for (const name of ${JSON.stringify(Object.keys(kDoors))}) out[name] = Object.keys(require(name))
console.log(JSON.stringify(out))`)
    const names = await node('doors.cjs')
    for (const [door, { has }] of Object.entries(kDoors)) expect(names[door], door).toContain(has)
  })

  test('each door type-checks through the exports map, and a name from the wrong door does not', slow, async () => {
    await writeFile(join(consumer.dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: [] },
      files: ['doors.mts']
    }))
    await writeFile(join(consumer.dir, 'doors.mts'), [
      ...Object.entries(kDoors).map(([door, { has }], i) => `import { ${has} as n${i} } from '${door}'`),
      `import type { ExecutionStorage, StoredExecution } from 'graph-task/storage'`,
      `// @ts-expect-error: MySQLStorage lives in graph-task/mysql`,
      `import { MySQLStorage } from 'graph-task'`,
      `export const all: unknown[] = [${Object.keys(kDoors).map((_, i) => `n${i}`).join(', ')}, MySQLStorage]`,
      `export type Storage = ExecutionStorage | StoredExecution`
    ].join('\n'))
    const tsc = join(kRoot, 'node_modules', 'typescript', 'bin', 'tsc')
    const { stdout } = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer.dir }).catch((err: { stdout: string }) => ({ stdout: err.stdout }))
    expect(stdout).toBe('')
  })
})
