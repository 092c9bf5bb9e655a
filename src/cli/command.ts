/**
 * What a subcommand declares about itself: its name, its arguments, its flags and what
 * it does. src/cli.ts only lists the commands; each command's file owns its flags, so a
 * flag that one command takes is refused by the others with a did-you-mean.
 */
import { parseArgs } from 'node:util'
import { closestKey } from '../option-keys.js'

/** Wrong use of the command line: one line on stderr, a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  /** The command whose help the message points to; the general help when undefined. */
  command?: string
}

/** One flag of a command. */
interface FlagSpec {
  type: 'string' | 'boolean'
  /** The flag may be given several times (its value is then an array). */
  multiple?: boolean
  /** What the value is, in the help: `--threads <n>`. Only for string flags. */
  value?: string
  /** One line for the help. */
  help: string
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>

/** The values parseArgs gives for a set of flags. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>

/** A subcommand of `graph-task`. */
export interface Command {
  /** One or more words: `run`, `db migrate`. */
  name: string
  /** Its positional arguments, for the usage line: `<workflow-module>[#name]`. */
  args: string
  /** One line saying what it does. */
  summary: string
  flags: FlagSpecs
  /** @returns the exit code */
  run (args: string[], flags: FlagValues): Promise<number>
}

/** The flags every command takes. */
const kHelpFlag: FlagSpecs = { help: { type: 'boolean', help: 'this text' } }

/**
 * Parses the arguments that follow a command's name against its own flags.
 * @throws {UsageError} for a flag the command does not take (with the closest one it does),
 *   a string flag without a value, or a value given to a boolean flag
 */
export function parseCommandFlags (command: Command, argv: string[]): { args: string[], flags: FlagValues } {
  const specs = { ...command.flags, ...kHelpFlag }
  for (const arg of argv) {
    if (arg === '--') break
    if (!arg.startsWith('-') || arg === '-') continue
    const name = arg === '-h' ? 'help' : arg.replace(/^--?/, '').replace(/=.*$/s, '')
    if (Object.hasOwn(specs, name)) continue
    const near = closestKey(name, Object.keys(specs))
    throw usage(command, `${command.name} does not take --${name}` +
      (near !== undefined ? `; did you mean --${near}?` : ''))
  }
  const options: Record<string, { type: 'string' | 'boolean', multiple?: boolean, short?: string }> = {}
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type, multiple: spec.multiple === true }
  }
  options.help.short = 'h'
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
    return { args: positionals, flags: values as FlagValues }
  } catch (err) {
    // parseArgs names the flag and the rule; its advice about "--" does not apply here.
    throw usage(command, (err as Error).message.replace(/\. To specify a positional argument.*$/s, ''))
  }
}

/** A UsageError that points at `graph-task <command> --help`. */
export function usage (command: Command | string, message: string): UsageError {
  const err = new UsageError(message)
  err.command = typeof command === 'string' ? command : command.name
  return err
}

/** The help of one command: its usage line and its flags. */
export function commandHelp (command: Command): string {
  const lines = [`Usage: graph-task ${command.name}${command.args === '' ? '' : ` ${command.args}`} [flags]`, '', command.summary]
  const entries = Object.entries({ ...command.flags, ...kHelpFlag })
  const labels = entries.map(([name, spec]) =>
    `${name === 'help' ? '-h, ' : ''}--${name}${spec.type === 'string' ? ` <${spec.value ?? 'value'}>` : ''}`)
  const width = Math.max(...labels.map(l => l.length))
  lines.push('', 'Flags:')
  entries.forEach(([, spec], i) => lines.push(`  ${labels[i].padEnd(width)}  ${spec.help}${spec.multiple === true ? ' (repeatable)' : ''}`))
  return lines.join('\n')
}

/**
 * The command named by the leading words of `argv` (the longest name that matches).
 * @returns the command and the arguments after its name, or undefined
 */
export function findCommand (commands: readonly Command[], argv: string[]): { command: Command, rest: string[] } | undefined {
  let found: Command | undefined
  let words = 0
  for (const command of commands) {
    const name = command.name.split(' ')
    if (name.length > words && name.every((word, i) => argv[i] === word)) {
      found = command
      words = name.length
    }
  }
  return found === undefined ? undefined : { command: found, rest: argv.slice(words) }
}
