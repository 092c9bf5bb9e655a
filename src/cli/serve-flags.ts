/** The flags of `graph-task serve`, and the engine and serve options they make. */
import type { EngineOptions } from '../options.js'
import type { RateLimit, ServeOptions } from '../queue/queue-options.js'
import type { FlagSpecs } from './command.js'
import { parsePositiveInt, UsageError } from './common.js'

export interface ServeOptionFlags {
  concurrency?: string
  'max-running'?: string
  'lock-duration'?: string
  'stalled-interval'?: string
  'max-redeliveries'?: string
  events?: string
  'rate-limit'?: string[]
  durability?: string
  'close-timeout'?: string
  'instance-id'?: string
  prefix?: string
  'health-port'?: string
}

export const kServeOptionFlags: FlagSpecs = Object.freeze({
  concurrency: { type: 'string', value: 'n', help: 'executions of each workflow run at once (default 4)' },
  'max-running': { type: 'string', value: 'n', help: 'executions run at once on this instance, all workflows together (default: no cap)' },
  'lock-duration': { type: 'string', value: 'ms', help: 'queue lock of a held execution; a dead instance\'s work resumes after about this plus --stalled-interval (default 8000)' },
  'stalled-interval': { type: 'string', value: 'ms', help: 'how often stalled executions are looked for (default 4000)' },
  'max-redeliveries': { type: 'string', value: 'n', help: 'redeliveries of a stalled execution before it fails (default 1)' },
  events: { type: 'string', value: 'kind', help: 'events published to queue listeners: execution, all or none (default execution)' },
  'rate-limit': { type: 'string', multiple: true, value: 'wf=max/ms', help: 'at most max starts of workflow wf every ms, across instances (repeatable)' },
  durability: { type: 'string', value: 'mode', help: 'batched (default) or task: a result is given out once its history is committed' },
  'close-timeout': { type: 'string', value: 'ms', help: 'how long a close waits for running executions (default 10000)' },
  'instance-id': { type: 'string', value: 'id', help: 'this instance\'s id in the history and the queue (default: host and process)' },
  prefix: { type: 'string', value: 'prefix', help: 'Redis key prefix (or set GRAPH_TASK_QUEUE_PREFIX; default gt)' },
  'health-port': { type: 'string', value: 'port', help: 'serve GET /healthz and /readyz on this port (0: any free one, printed)' }
})

function rateLimits (specs: string[] | undefined): Record<string, RateLimit> | undefined {
  if (specs === undefined) return undefined
  const out: Record<string, RateLimit> = {}
  for (const spec of specs) {
    const match = /^([^=]+)=(\d+)\/(\d+)$/.exec(spec)
    if (match === null) throw new UsageError(`--rate-limit must be workflow=max/ms (e.g. report=10/1000), got "${spec}"`)
    out[match[1]] = { max: Number(match[2]), duration: Number(match[3]) }
  }
  return out
}

function nonNegativeInt (name: string, text: string | undefined): number | undefined {
  return text === '0' ? 0 : parsePositiveInt(name, text)
}

/** Serve options from the flags; what a flag leaves out keeps serve()'s default. */
export function serveOptionsOf (flags: ServeOptionFlags): ServeOptions {
  const events = flags.events
  if (events !== undefined && events !== 'execution' && events !== 'all' && events !== 'none') {
    throw new UsageError(`--events must be execution, all or none, got "${events}"`)
  }
  const options: ServeOptions = {
    concurrency: parsePositiveInt('concurrency', flags.concurrency),
    maxRunning: parsePositiveInt('max-running', flags['max-running']),
    lockDuration: parsePositiveInt('lock-duration', flags['lock-duration']),
    stalledInterval: parsePositiveInt('stalled-interval', flags['stalled-interval']),
    maxRedeliveries: nonNegativeInt('max-redeliveries', flags['max-redeliveries']),
    events,
    rateLimits: rateLimits(flags['rate-limit'])
  }
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
}

/** Engine options from the flags. */
export function serveEngineOptionsOf (flags: ServeOptionFlags): Pick<EngineOptions, 'durability' | 'closeTimeout' | 'instanceId'> {
  const durability = flags.durability
  if (durability !== undefined && durability !== 'batched' && durability !== 'task') {
    throw new UsageError(`--durability must be batched or task, got "${durability}"`)
  }
  const closeTimeout = parsePositiveInt('close-timeout', flags['close-timeout'])
  return {
    ...(durability === undefined ? {} : { durability }),
    ...(closeTimeout === undefined ? {} : { closeTimeout }),
    ...(flags['instance-id'] === undefined ? {} : { instanceId: flags['instance-id'] })
  }
}

/** The health port, or undefined without the flag. */
export function healthPortOf (flags: ServeOptionFlags): number | undefined {
  return nonNegativeInt('health-port', flags['health-port'])
}
