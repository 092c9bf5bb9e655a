import { Engine } from '../engine.js'
import { ExecutionQueue } from '../queue/execution-queue.js'
import { usage, type Command } from './command.js'
import { kStorageFlags, kWorkflowFlags, parsePositiveInt, type CommonFlags } from './common.js'
import { kRedisFlag, queueOptionsOf } from './queue-flags.js'
import { openStorage } from './storage.js'
import { loadWorkflowModules } from './workflow-module.js'
import { serveHealth, type HealthServer } from '../queue/health-server.js'
import { healthPortOf, kServeOptionFlags, serveEngineOptionsOf, serveOptionsOf, type ServeOptionFlags } from './serve-flags.js'

interface ServeFlags extends CommonFlags, ServeOptionFlags {
  workflows?: string[]
  redis?: string
  typescript?: boolean
}

/**
 * `graph-task serve --workflows <module> --mysql <uri> --redis <uri> [options]`:
 * an instance that runs the queued executions of the module's workflows until SIGINT or
 * SIGTERM; then it takes no more, and finishes what it holds (a second signal hands it back).
 * SIGUSR2 drains it: it takes no more and finishes what it holds, but stays up (not ready).
 */
export const serveCommand: Command = {
  name: 'serve',
  args: '',
  summary: 'Runs the queued executions of the given workflows on this machine until Ctrl-C.',
  flags: {
    workflows: { type: 'string', multiple: true, value: 'module', help: 'module whose workflows this instance serves (repeatable)' },
    ...kStorageFlags,
    ...kRedisFlag,
    ...kServeOptionFlags,
    threads: kWorkflowFlags.threads,
    typescript: kWorkflowFlags.typescript
  },
  run: (args, flags) => serve(args, flags as ServeFlags)
}

async function serve (args: string[], flags: ServeFlags): Promise<number> {
  if (args.length > 0) throw usage('serve', `unexpected arguments: ${args.join(' ')}`)
  if (flags.workflows === undefined || flags.workflows.length === 0) throw usage('serve', 'serve needs --workflows <module> (repeat for several)')
  const serveOptions = serveOptionsOf(flags)
  const healthPort = healthPortOf(flags)
  const threads = parsePositiveInt('threads', flags.threads)
  const { workflows, typescript } = await loadWorkflowModules('serve', flags.workflows, flags.typescript === true)
  const storage = await openStorage(flags.mysql)
  if (storage === undefined) throw usage('serve', 'serve needs the shared history: pass --mysql <uri> (or set GRAPH_TASK_MYSQL_URL)')
  const queue = new ExecutionQueue(queueOptionsOf(flags.redis, flags.prefix))
  const engine = new Engine({ threads, storage, typescript, ...serveEngineOptionsOf(flags) })
  let health: HealthServer | undefined
  try {
    for (const workflow of workflows) await engine.publishWorkflow(workflow)
    await engine.serve(queue, serveOptions)
    if (healthPort !== undefined) health = await serveHealth(engine, { port: healthPort })
  } catch (err) {
    await engine.close()
    await queue.close()
    throw err
  }
  const ids = engine.listWorkflows().map(w => w.id).join(', ')
  if (health !== undefined) process.stderr.write(`graph-task: health on port ${health.port} (/healthz, /readyz)\n`)
  process.stderr.write(`graph-task: instance ${engine.instanceId} serves ${ids}; Ctrl-C to stop, SIGUSR2 to drain\n`)
  const drain = (): void => {
    process.stderr.write('graph-task: draining; takes no more executions, finishes what it holds, stays up\n')
    engine.drain().then(() => process.stderr.write('graph-task: drained\n'), err => process.stderr.write(`graph-task: drain failed: ${String(err)}\n`))
  }
  process.on('SIGUSR2', drain)
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
  process.off('SIGUSR2', drain)
  // Readiness says 503 while closing; the endpoints go last.
  await engine.close()
  await queue.close()
  await health?.close()
  return 0
}
