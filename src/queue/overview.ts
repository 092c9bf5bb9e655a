/**
 * The queues at a glance, for the console and operators: which workflows have a queue
 * or a live server, their job counts, who serves each, and the schedules. Read with
 * SCAN (never KEYS: it does not block the server) over the names QueueNames makes.
 */
import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import type { QueueOverview, ScheduleInfo, WorkflowQueueView } from './types.js'
import type { QueueNames } from './wire.js'

const kStates = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const

/** What the overview reads through. */
export interface OverviewSource {
  redis: Redis
  names: QueueNames
  queue: (workflowId: string) => Promise<Queue>
  schedules: () => Promise<ScheduleInfo[]>
}

export async function readOverview ({ redis, names, queue, schedules }: OverviewSource): Promise<QueueOverview> {
  const at = Date.now()
  const ids = new Set<string>()
  // BullMQ keeps a meta hash per queue: <prefix>:<name>.<workflow id>:meta
  const queuesFrom = `${names.prefix}:${names.name}.`
  for (const key of await scan(redis, `${queuesFrom}*:meta`)) ids.add(key.slice(queuesFrom.length, -':meta'.length))
  const servedFrom = names.servedKey('')
  for (const key of await scan(redis, `${servedFrom}*`)) ids.add(key.slice(servedFrom.length))
  const workflows: WorkflowQueueView[] = []
  for (const workflowId of [...ids].sort()) {
    const [counts, servedBy] = await Promise.all([
      (await queue(workflowId)).getJobCounts(...kStates),
      redis.zrangebyscore(names.servedKey(workflowId), at, '+inf')
    ])
    workflows.push({ workflowId, counts, servedBy: servedBy.sort() })
  }
  return { workflows, schedules: await schedules(), at }
}

async function scan (redis: Redis, match: string): Promise<string[]> {
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500)
    out.push(...keys)
    cursor = next
  } while (cursor !== '0')
  return out
}
