/**
 * `graph-task console --mysql <uri> [--port 4600] [--host 127.0.0.1] [--workflows m ...]
 * [--token t] [--read-only] [--redis <uri> [--prefix p]]`: serves the web console over the
 * shared history until interrupted. With --workflows it can retry executions of those
 * workflows here; with --redis its Queues page shows the execution queue.
 */
import { Engine } from '../engine.js'
import { usage, type Command } from './command.js'
import { kStorageFlags, kWorkflowFlags, parsePositiveInt, type CommonFlags } from './common.js'
import { openStorage } from './storage.js'
import { loadWorkflowModules } from './workflow-module.js'
import { kRedisFlag, queueOptionsOf } from './queue-flags.js'
import { ExecutionQueue } from '../queue/execution-queue.js'
import { serveConsole } from '../console/server.js'
import { kMinTokenLength } from '../console/options.js'

interface ConsoleFlags extends CommonFlags {
  port?: string
  host?: string
  workflows?: string[]
  token?: string
  'read-only'?: boolean
  typescript?: boolean
  redis?: string
  prefix?: string
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
    ...kRedisFlag,
    prefix: { type: 'string', value: 'prefix', help: 'Redis key prefix of the queue (or set GRAPH_TASK_QUEUE_PREFIX; default gt)' },
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
  const token = flags.token ?? (process.env.GRAPH_TASK_CONSOLE_TOKEN || undefined)
  if (token !== undefined && token.length < kMinTokenLength) {
    throw usage('console', `${flags.token !== undefined ? '--token' : 'GRAPH_TASK_CONSOLE_TOKEN'} must be at least ${kMinTokenLength} characters`)
  }
  const readOnly = flags['read-only'] === true
  const { workflows, typescript } = await loadWorkflowModules('console', flags.workflows ?? [], flags.typescript === true)
  // Without workflows and without actions the console only reads: its storage is opened for
  // reading only. An engine (to retry) or a token (to abandon) writes, but never migrates.
  const acts = workflows.length > 0 || (token !== undefined && !readOnly)
  const storage = await openStorage(flags.mysql, acts ? 'record' : 'read')
  if (storage === undefined) throw usage('console', 'console reads the shared history: pass --mysql <uri> or set GRAPH_TASK_MYSQL_URL')
  const engine = workflows.length > 0 ? new Engine({ storage, threads, typescript }) : undefined
  // Only with --redis (the environment alone does not turn the page on): the queue is read, never served.
  const queue = flags.redis !== undefined ? new ExecutionQueue(queueOptionsOf(flags.redis, flags.prefix)) : undefined
  try {
    for (const workflow of workflows) await engine!.publishWorkflow(workflow)
    const server = await serveConsole(engine ?? storage, { port, host: flags.host, token, readOnly, queue })
    process.stdout.write(`graph-task console on ${server.url} (${readOnly ? 'read-only' : token === undefined ? 'actions disabled: no token' : 'actions need the token'}` +
      `${engine === undefined ? '; retry needs --workflows' : ''})\n`)
    await new Promise<void>(resolve => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await server.close()
  } finally {
    await queue?.close()
    await (engine !== undefined ? engine.close() : storage.close())
  }
  return 0
}
