/**
 * `graph-task console --mysql <uri> [--port 4600] [--host 127.0.0.1] [--workflows m ...]
 * [--token t] [--read-only]`: serves the web console over the shared history until
 * interrupted. With --workflows it can retry executions of those workflows here.
 */
import { Engine } from '../engine.js'
import { parsePositiveInt, loadWorkflows, UsageError, type CommonFlags } from './common.js'
import { openStorage } from './storage.js'

export interface ConsoleFlags extends CommonFlags {
  port?: string
  host?: string
  workflows?: string[]
  token?: string
  'read-only'?: boolean
}

/** Serves the console until SIGINT or SIGTERM; resolves 0 then. */
export async function consoleCommand (args: string[], flags: ConsoleFlags): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`)
  const port = flags.port === '0' ? 0 : parsePositiveInt('port', flags.port) ?? 4600
  const storage = await openStorage(flags.mysql)
  if (storage === undefined) throw new UsageError('console reads the shared history: pass --mysql <uri> or set GRAPH_TASK_MYSQL_URL')
  const engine = new Engine({ storage, threads: parsePositiveInt('threads', flags.threads) })
  try {
    for (const path of flags.workflows ?? []) {
      for (const workflow of await loadWorkflows(path)) await engine.publishWorkflow(workflow)
    }
    const server = await engine.console({ port, host: flags.host, token: flags.token, readOnly: flags['read-only'] === true })
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
