/**
 * graph-task as a user gets it: `npm pack` of this checkout (its built dist/), installed
 * from the tarball into a fresh consumer project in a temporary folder. Tests then run
 * the installed `graph-task` command there, on modules that `import 'graph-task'`.
 *
 *   const consumer = await packedConsumer()        // in beforeAll; minutes at worst
 *   afterAll(() => consumer.remove())
 *   await consumer.cli(['bench', 'suite.mjs', '--json'])
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const kRoot = fileURLToPath(new URL('../..', import.meta.url))

/** What a command run in the consumer project ended with. */
export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface PackedConsumer {
  /** The consumer project's folder: write the test's modules here. */
  dir: string
  /** Runs the installed `graph-task` with `args` in `dir`; resolves whatever the exit code. */
  cli: (args: readonly string[]) => Promise<CliResult>
  /** Deletes the project and the tarball. */
  remove: () => Promise<void>
}

function run (file: string, args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GRAPH_TASK_MYSQL_URL: '' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : (err as { code?: unknown }).code
      if (typeof code !== 'number') reject(err ?? new Error(`${file} did not exit`))
      else resolve({ code, stdout, stderr })
    })
  })
}

async function mustRun (file: string, args: readonly string[], cwd: string): Promise<string> {
  const r = await run(file, args, cwd)
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return r.stdout
}

/** Packs this checkout (build it first) and installs the tarball into a new project. */
export async function packedConsumer (): Promise<PackedConsumer> {
  const dir = await mkdtemp(join(tmpdir(), 'graph-task-consumer-'))
  const packed = JSON.parse(await mustRun('npm', ['pack', '--json', '--pack-destination', dir], kRoot)) as Array<{ filename: string }>
  const tarball = join(dir, packed[0].filename)
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  // The dependencies come from npm's cache when this checkout's `npm ci` has filled it.
  await mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball], dir)
  return {
    dir,
    cli: async (args) => await run(join(dir, 'node_modules', '.bin', 'graph-task'), args, dir),
    remove: async () => { await rm(dir, { recursive: true, force: true }) }
  }
}
