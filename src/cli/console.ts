/**
 * `graph-task console --mysql <uri> [--port 4600] [--host 127.0.0.1] [--workflows m ...]
 * [--token t] [--read-only]`: serves the web console over the shared history until
 * interrupted. With --workflows it can retry executions of those workflows here.
 */
import { Engine } from '../engine.js'
import { usage, type Command } from './command.js'
import { kStorageFlags, kWorkflowFlags, parsePositiveInt, type CommonFlags } from './common.js'
import { openStorage } from './storage.js'
import { loadWorkflowModules } from './workflow-module.js'
import { serveConsole } from '../console/server.js'

interface ConsoleFlags extends CommonFlags {
  port?: string
  host?: string
  workflows?: string[]
  token?: string
  'read-only'?: boolean
  typescript?: boolean
}

/** `graph-task console`: serves the web console over the shared history. */
export const consoleCommand: Command = {
  name: 'console',
  args: '',
  summary: 'Serves the web console and its HTTP API over the shared history until Ctrl-C.',
  flags: {
    ...kStorageFlags,
    port: { type: 'string', value: 'n', help: 'TCP port (default 4600; 0 picks a free one)' },
    host: { type: 'string', value: 'address', help: 'address to bind (default 127.0.0.1)' },
    workflows: { type: 'string', multiple: true, value: 'module', help: 'module whose workflows this console can retry (repeatable)' },
    token: { type: 'string', value: 'token', help: 'token the actions need (or set GRAPH_TASK_CONSOLE_TOKEN)' },
    'read-only': { type: 'boolean', help: 'refuse every action' },
    threads: kWorkflowFlags.threads,
    typescript: kWorkflowFlags.typescript
  },
  run: (args, flags) => serve(args, flags as ConsoleFlags)
}

/** Serves the console until SIGINT or SIGTERM; resolves 0 then. */
async function serve (args: string[], flags: ConsoleFlags): Promise<number> {
  if (args.length > 0) throw usage('console', `unexpected arguments: ${args.join(' ')}`)
  const port = flags.port === '0' ? 0 : parsePositiveInt('port', flags.port) ?? 4600
  const threads = parsePositiveInt('threads', flags.threads)
  const { workflows, typescript } = await loadWorkflowModules('console', flags.workflows ?? [], flags.typescript === true)
  const storage = await openStorage(flags.mysql)
  if (storage === undefined) throw usage('console', 'console reads the shared history: pass --mysql <uri> or set GRAPH_TASK_MYSQL_URL')
  const engine = new Engine({ storage, threads, typescript })
  try {
    for (const workflow of workflows) await engine.publishWorkflow(workflow)
    const server = await serveConsole(engine, { port, host: flags.host, token: flags.token, readOnly: flags['read-only'] === true })
    const token = flags.token ?? process.env.GRAPH_TASK_CONSOLE_TOKEN
    process.stdout.write(`graph-task console on ${server.url} (${flags['read-only'] === true ? 'read-only' : token === undefined ? 'actions disabled: no token' : 'actions need the token'})\n`)
  } catch (err) {
    await engine.close()
    throw err
  }
  await new Promise<void>(resolve => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await engine.close()
  return 0
}
