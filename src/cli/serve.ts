import { Engine } from '../engine.js'
import { ExecutionQueue } from '../queue/execution-queue.js'
import { loadWorkflows, parsePositiveInt, UsageError, type CommonFlags } from './common.js'
import { queueOptionsOf } from './queue-flags.js'
import { openStorage } from './storage.js'

export interface ServeFlags extends CommonFlags {
  workflows?: string[]
  redis?: string
  concurrency?: string
}

/**
 * `graph-task serve --workflows <module> --mysql <uri> --redis <uri> [--concurrency N]`:
 * an instance that runs the queued executions of the module's workflows until SIGINT or
 * SIGTERM; then it takes no more, and finishes what it holds (a second signal hands it back).
 */
export async function serveCommand (args: string[], flags: ServeFlags): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`)
  if (flags.workflows === undefined || flags.workflows.length === 0) throw new UsageError('serve needs --workflows <module> (repeat for several)')
  const storage = await openStorage(flags.mysql)
  if (storage === undefined) throw new UsageError('serve needs the shared history: pass --mysql <uri> (or set GRAPH_TASK_MYSQL_URL)')
  const queue = new ExecutionQueue(queueOptionsOf(flags.redis))
  const engine = new Engine({ threads: parsePositiveInt('threads', flags.threads), storage })
  try {
    for (const path of flags.workflows) {
      for (const workflow of await loadWorkflows(path)) await engine.publishWorkflow(workflow)
    }
    await engine.serve(queue, { concurrency: parsePositiveInt('concurrency', flags.concurrency) ?? 4 })
  } catch (err) {
    await engine.close()
    await queue.close()
    throw err
  }
  const ids = engine.listWorkflows().map(w => w.id).join(', ')
  process.stderr.write(`graph-task: instance ${engine.instanceId} serves ${ids}; Ctrl-C to stop\n`)
  await new Promise<void>(resolve => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      // A second signal cancels what is still running: handed back to the queue, resumed elsewhere.
      const again = (): void => { void engine.close({ cancel: true }) }
      process.once('SIGINT', again)
      process.once('SIGTERM', again)
      process.stderr.write('graph-task: closing; running executions finish (signal again to hand them back)\n')
      resolve()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await engine.close()
  await queue.close()
  return 0
}
