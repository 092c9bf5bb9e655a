#!/usr/bin/env node
/**
 * Runs every benchmark scenario in sequence, each in its own child process
 * (`node --import tsx bench/<scenario>.bench.ts`), so that one scenario's heap, JIT
 * state and threads never colour the next. Then prints the combined table and, when
 * every scenario succeeded, writes it into README.md (scripts/render-bench-table.mjs).
 *
 *   npm run bench                                   (builds first)
 *   node scripts/run-benches.mjs [--only dispatch,planner] [--no-write] [--timeout 300]
 *
 * Needs the local MariaDB/MySQL (tracer, bullmq, durability) and Redis (bullmq); a
 * scenario that fails is reported and the others still run. The scaling study is
 * separate: `npm run bench:scaling` (scripts/bench-scaling.ts).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadResults, ORDER, renderTable, writeReadme } from './render-bench-table.mjs'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '300' }
  }
})
const scenarios = values.only === undefined ? ORDER : values.only.split(',').map(s => s.trim()).filter(Boolean)
const timeoutMs = Number(values.timeout) * 1000

function run (scenario) {
  const file = join(root, 'bench', `${scenario}.bench.ts`)
  if (!existsSync(file)) return Promise.resolve({ scenario, ok: false, why: `no such file ${file}` })
  return new Promise(resolvePromise => {
    const started = Date.now()
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: 'inherit' })
    // A scenario that hangs (a service gone away) must not hold up the others forever.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      resolvePromise({ scenario, ok: code === 0, why: code === 0 ? '' : signal === 'SIGKILL' ? `killed after ${values.timeout} s` : `exit code ${code ?? signal}`, seconds })
    })
  })
}

const startedAll = Date.now()
const outcomes = []
for (const scenario of scenarios) {
  process.stdout.write(`\n=== ${scenario} ===\n`)
  outcomes.push(await run(scenario))
}

process.stdout.write(`\n=== summary: ${((Date.now() - startedAll) / 1000).toFixed(0)} s in all ===\n`)
for (const o of outcomes) process.stdout.write(`${o.ok ? 'ok    ' : 'FAILED'} ${o.scenario}${o.seconds ? ` (${o.seconds} s)` : ''}${o.ok ? '' : `: ${o.why}`}\n`)
const table = renderTable(loadResults(join(root, 'bench', 'results')))
process.stdout.write(`\n${table}\n`)
const failed = outcomes.filter(o => !o.ok)
if (failed.length === 0 && !values['no-write'] && values.only === undefined) {
  const problem = writeReadme(join(root, 'README.md'), table)
  process.stdout.write(problem === null ? '\nREADME.md table updated\n' : `\nwarning: ${problem}\n`)
}
process.exitCode = failed.length === 0 ? 0 : 1
