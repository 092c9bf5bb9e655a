/**
 * Saved runs. `--save <name>` writes `.graph-task/bench/<name>.json` under the working
 * directory (commit it, or keep it as a CI artifact); `--compare <name | file>` reads
 * that name back, or any file path (anything with a slash or ending in .json).
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { BenchError, ErrorCodes } from '../errors.js'
import type { BenchEnvironment, BenchRun } from './results.js'
import { packageVersion } from '../package-root.js'

/** Folder of saved runs, relative to the working directory. */
const kBaselineDir = join('.graph-task', 'bench')
const kName = /^[\w.-]+$/

/** Where a baseline name or path resolves to. */
function baselinePath (nameOrFile: string, cwd = process.cwd()): string {
  if (nameOrFile.includes('/') || nameOrFile.includes('\\') || nameOrFile.endsWith('.json')) return resolve(cwd, nameOrFile)
  if (!kName.test(nameOrFile)) {
    throw new BenchError(ErrorCodes.BENCH_BASELINE_INVALID, `baseline name "${nameOrFile}" may hold only letters, digits, '_', '-' and '.'`)
  }
  return join(cwd, kBaselineDir, `${nameOrFile}.json`)
}

/** Writes the run under `name`; returns the file's path. */
export async function saveRun (run: BenchRun, name: string, cwd = process.cwd()): Promise<string> {
  const path = baselinePath(name, cwd)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, JSON.stringify({ ...run, name }) + '\n')
  return path
}

/**
 * Reads a saved run.
 * @throws {BenchError} BENCH_BASELINE_INVALID when it is missing or is not a saved run
 */
export async function loadRun (nameOrFile: string, cwd = process.cwd()): Promise<BenchRun> {
  const path = baselinePath(nameOrFile, cwd)
  let run: BenchRun
  try {
    run = JSON.parse(await readFile(path, 'utf8')) as BenchRun
  } catch (err) {
    throw new BenchError(ErrorCodes.BENCH_BASELINE_INVALID, `cannot read baseline ${path}: ${(err as Error).message}` +
      ` (save one with --save ${nameOrFile})`, { cause: err })
  }
  if (run?.format !== 1 || !Array.isArray(run.cases)) {
    throw new BenchError(ErrorCodes.BENCH_BASELINE_INVALID, `${path} is not a saved benchmark run (format 1)`)
  }
  return run
}

/** The machine and software the run is measured on; `loadAverage[1]` is filled in at the end. */
export async function collectEnvironment (storage: string, cwd = process.cwd()): Promise<BenchEnvironment> {
  const commit = await gitCommit(cwd)
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    loadAverage: [loadavg()[0], loadavg()[0]],
    ...(commit !== undefined && { commit }),
    graphTaskVersion: packageVersion(),
    storage,
    date: new Date().toISOString()
  }
}

function gitCommit (cwd: string): Promise<string | undefined> {
  return new Promise(resolve => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 5000 }, (err, stdout) => {
      resolve(err === null ? stdout.trim() : undefined)
    })
  })
}

