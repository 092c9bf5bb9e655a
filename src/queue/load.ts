/**
 * BullMQ and ioredis are optional peer dependencies: an engine that never touches
 * the queue loads neither. They are imported here, once, on first use.
 */
import type * as BullMQ from 'bullmq'
import type * as IORedis from 'ioredis'
import { ErrorCodes, QueueError } from '../errors.js'

/** The two modules the queue is built on. */
export interface QueueModules {
  bullmq: typeof BullMQ
  Redis: typeof IORedis.Redis
}

let loading: Promise<QueueModules> | null = null

/**
 * Imports an optional package by name.
 * @throws {QueueError} QUEUE_UNAVAILABLE naming the package when it is not installed
 */
export async function importOptional<T> (name: string): Promise<T> {
  try {
    return await import(name) as T
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new QueueError(ErrorCodes.QUEUE_UNAVAILABLE,
        `the execution queue needs the optional package "${name}", which is not installed: npm install bullmq ioredis`, { cause: err })
    }
    throw err
  }
}

/** BullMQ and ioredis, imported on the first call. */
export function loadQueueModules (): Promise<QueueModules> {
  loading ??= (async () => {
    const bullmq = await importOptional<typeof BullMQ>('bullmq')
    const ioredis = await importOptional<typeof IORedis>('ioredis')
    return { bullmq, Redis: ioredis.Redis ?? (ioredis as unknown as { default: typeof IORedis.Redis }).default }
  })()
  // A failed import may succeed later (the package installed meanwhile).
  loading.catch(() => { loading = null })
  return loading
}
