#!/usr/bin/env node
/**
 * The `graph-task` command. Subcommands live in src/cli/*.ts; this file parses
 * the command line, dispatches, and turns misuse into a message and exit code 2.
 */
import { parseArgs } from 'node:util'
import { runCommand } from './cli/run.js'
import { dbCommand } from './cli/db.js'
import { UsageError } from './cli/common.js'
import { abandonCommand, executionsCommand, retryCommand, showCommand, statsCommand } from './cli/history.js'
import { benchCommand } from './cli/bench.js'
import { serveCommand } from './cli/serve.js'
import { submitCommand } from './cli/submit.js'

const kUsage = `graph-task: run DAG workflows of CPU-heavy tasks on every core

Usage:
  graph-task run <workflow-module> [--input <json|@file>] [--threads N] [--timeout ms] [--json] [--mysql <uri>]
  graph-task bench <workflow-module> [--input ...] [--concurrency N] [--time ms] [--json]
  graph-task db migrate --mysql <uri>
  graph-task executions [--status failed] [--limit N]        (history commands need --mysql)
  graph-task show <execution-id>
  graph-task retry <execution-id> [--restart] --workflows <module> [--workflows <module>...]
  graph-task abandon <execution-id> [--reason text]
  graph-task stats
  graph-task serve --workflows <module> --mysql <uri> --redis <uri> [--concurrency N] [--threads N]
  graph-task submit <workflow-id> [--input ...] [--timeout ms] [--wait] [--json] --redis <uri>

Options:
  --input     execution input, as JSON or @path/to/file.json
  --threads   worker threads (default: available parallelism)
  --timeout   execution time limit in ms
  --json      print the result as JSON instead of a table
  --mysql     keep history in MySQL (or set GRAPH_TASK_MYSQL_URL)
  --workflows module whose workflows this instance publishes (retry, serve)
  --restart   retry every task, not only those that did not succeed
  --redis     the execution queue's Redis (or set GRAPH_TASK_REDIS_URL): serve, submit
  --wait      submit: wait for the end and print the result like run
  -h, --help  this text

Exit codes: 0 success, 1 the execution did not succeed, 2 misuse.`

async function main (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      input: { type: 'string' },
      threads: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
      mysql: { type: 'string' },
      workflows: { type: 'string', multiple: true },
      status: { type: 'string' },
      restart: { type: 'boolean', default: false },
      reason: { type: 'string' },
      limit: { type: 'string' },
      concurrency: { type: 'string' },
      time: { type: 'string' },
      redis: { type: 'string' },
      wait: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  const [command, ...rest] = positionals
  if (values.help === true || command === undefined) {
    process.stdout.write(kUsage + '\n')
    return command === undefined && values.help !== true ? 2 : 0
  }
  switch (command) {
    case 'run': return runCommand(rest, values)
    case 'db': return dbCommand(rest, values)
    case 'bench': return benchCommand(rest, values)
    case 'executions': return executionsCommand(rest, values)
    case 'show': return showCommand(rest, values)
    case 'retry': return retryCommand(rest, values)
    case 'abandon': return abandonCommand(rest, values)
    case 'stats': return statsCommand(rest, values)
    case 'serve': return serveCommand(rest, values)
    case 'submit': return submitCommand(rest, values)
    default: throw new UsageError(`unknown command "${command}"`)
  }
}

main(process.argv.slice(2)).then(code => {
  process.exitCode = code
}, (err: unknown) => {
  const e = err as { code?: string, message?: string }
  if (err instanceof UsageError || e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    process.stderr.write(`graph-task: ${e.message}\n\n${kUsage}\n`)
    process.exitCode = 2
    return
  }
  // Typed engine errors carry a code: show it, not a stack.
  process.stderr.write(`graph-task: ${e.code !== undefined ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`)
  process.exitCode = 2
})
