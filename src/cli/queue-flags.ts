import type { ExecutionQueueOptions } from '../queue/queue-options.js'
import type { FlagSpecs } from './command.js'
import { UsageError } from './common.js'

/** `--redis`, the queue's server. */
export const kRedisFlag: FlagSpecs = Object.freeze({
  redis: { type: 'string', value: 'uri', help: 'the execution queue\'s Redis: redis://host:6379 (or set GRAPH_TASK_REDIS_URL)' }
})

/** The execution queue of `serve` and `submit`: `--redis` or GRAPH_TASK_REDIS_URL, and `--prefix` or GRAPH_TASK_QUEUE_PREFIX when set. */
export function queueOptionsOf (flag: string | undefined, prefixFlag?: string): ExecutionQueueOptions {
  const url = flag ?? process.env.GRAPH_TASK_REDIS_URL
  if (url === undefined) throw new UsageError('the queue needs Redis: pass --redis redis://host:6379 (or set GRAPH_TASK_REDIS_URL)')
  const prefix = prefixFlag ?? process.env.GRAPH_TASK_QUEUE_PREFIX
  return prefix === undefined || prefix === '' ? { connection: url } : { connection: url, prefix }
}
