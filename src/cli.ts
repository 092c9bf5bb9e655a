#!/usr/bin/env node
/**
 * The `graph-task` command: finds the subcommand, parses its own flags, runs it, and
 * turns what went wrong into one line on stderr and an exit code. Each subcommand lives
 * in src/cli/<command>.ts and declares its name, arguments and flags (a Command); adding
 * one is an import and an entry in kCommands.
 *
 * Exit codes: 0 success; 1 the execution did not succeed, or the command could not do its
 * work (storage unreachable, a handler that does not load); 2 misuse of the command line;
 * 130 stopped by Ctrl-C.
 */
import { readFileSync } from 'node:fs'
import { closestKey } from './option-keys.js'
import { commandHelp, findCommand, parseCommandFlags, UsageError, type Command } from './cli/command.js'
import { runCommand } from './cli/run.js'
import { benchCommand } from './cli/bench.js'
import { consoleCommand } from './cli/console.js'
import { serveCommand } from './cli/serve.js'
import { submitCommand } from './cli/submit.js'
import { cacheClearCommand, dbMigrateCommand, dbPurgeCommand, dbStatsCommand } from './cli/db.js'
import { abandonCommand, executionsCommand, retryCommand, showCommand, statsCommand } from './cli/history.js'

const kCommands: readonly Command[] = [
  runCommand,
  benchCommand,
  dbMigrateCommand,
  dbPurgeCommand,
  dbStatsCommand,
  cacheClearCommand,
  executionsCommand,
  showCommand,
  retryCommand,
  abandonCommand,
  statsCommand,
  consoleCommand,
  serveCommand,
  submitCommand
]

function help (): string {
  const lines = kCommands.map(c => [`graph-task ${c.name}${c.args === '' ? '' : ` ${c.args}`}`, c.summary])
  const width = Math.max(...lines.map(([usage]) => usage.length))
  return `graph-task: run DAG workflows of CPU-heavy tasks on every core

Usage:
${lines.map(([usage, summary]) => `  ${usage.padEnd(width)}  ${summary}`).join('\n')}

  graph-task <command> --help   the flags of a command
  graph-task --version          the version of graph-task

Exit codes: 0 success; 1 the execution did not succeed, or the command could not do its work;
2 misuse of the command line; 130 stopped by Ctrl-C.`
}

function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

async function main (argv: string[]): Promise<number> {
  const [first] = argv
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(help() + '\n')
    return first === undefined ? 2 : 0
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(version() + '\n')
    return 0
  }
  const found = findCommand(kCommands, argv)
  if (found === undefined) {
    // A group's name (`db`) with a word it does not have is named with that word.
    const group = kCommands.some(c => c.name.startsWith(`${first} `))
    const near = closestKey(argv.slice(0, group ? 2 : 1).join(' '), kCommands.map(c => c.name))
    throw new UsageError(`unknown command "${argv.slice(0, group ? 2 : 1).join(' ')}"` +
      (near !== undefined ? `; did you mean "${near}"?` : ''))
  }
  const { command, rest } = found
  const { args, flags } = parseCommandFlags(command, rest)
  if (flags.help === true) {
    process.stdout.write(commandHelp(command) + '\n')
    return 0
  }
  try {
    return await command.run(args, flags)
  } catch (err) {
    if (err instanceof UsageError) err.command ??= command.name
    throw err
  }
}

// `graph-task show x --json | head`: the reader left; there is nothing more to say.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

main(process.argv.slice(2)).then(code => {
  process.exitCode = code
}, (err: unknown) => {
  if (err instanceof UsageError) {
    const pointer = err.command === undefined ? 'graph-task --help' : `graph-task ${err.command} --help`
    process.stderr.write(`graph-task: ${err.message}\nSee '${pointer}'.\n`)
    process.exitCode = 2
    return
  }
  // Typed engine errors carry a code: one line with it, not a stack.
  const e = err as { code?: string, message?: string }
  process.stderr.write(`graph-task: ${typeof e.code === 'string' ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`)
  process.exitCode = 1
})
