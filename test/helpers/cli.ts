/** Runs the built `graph-task` command (dist/cli.js) as a user would, from the repository root. */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const kCli = new URL('../../dist/cli.js', import.meta.url).pathname
export const kRoot = new URL('../..', import.meta.url).pathname

export interface CliOutcome { code: number, stdout: string, stderr: string }

/** Runs `graph-task ...args` to the end; a non-zero exit is an outcome, not an error. */
export async function cli (args: string[], options: { env?: Record<string, string>, cwd?: string } = {}): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [kCli, ...args],
      { cwd: options.cwd ?? kRoot, env: { ...process.env, ...options.env } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code: number, stdout: string, stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/**
 * Runs `graph-task ...args` in a pseudo-terminal (test/helpers/terminal.py): the command
 * sees a TTY on stdin, stdout and stderr, and `interrupt()` types Ctrl-C into it.
 */
export function cliInTerminal (args: string[]): { child: ChildProcessWithoutNullStreams, interrupt: () => void } {
  const helper = new URL('./terminal.py', import.meta.url).pathname
  const child = spawn('python3', [helper, process.execPath, kCli, ...args], { cwd: kRoot })
  return { child, interrupt: () => { child.stdin.write('INT\n') } }
}
