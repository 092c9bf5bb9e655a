/**
 * The execution queue in tests: a Redis key prefix per test, its keys deleted after,
 * and serving instances in processes of their own (helpers/queue-instance.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { onTestFinished } from 'vitest'
import { ExecutionQueue } from '../../dist/queue.js'
import type { TestDatabase } from './mysql.js'
import { tempDir } from './engine.js'

const kInstance = new URL('./queue-instance.mjs', import.meta.url).pathname

/** The test server: GRAPH_TASK_REDIS_URL, else 127.0.0.1:6379. */
export const redisUrl = process.env.GRAPH_TASK_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A fresh key prefix whose keys are deleted when the test finishes. */
export function usePrefix (): string {
  const prefix = `gtq${randomBytes(4).toString('hex')}`
  onTestFinished(async () => {
    const redis = new Redis(redisUrl)
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      if (keys.length > 0) await redis.del(...keys)
      cursor = next
    } while (cursor !== '0')
    await redis.quit()
  })
  return prefix
}

/** A submitting client on `prefix`, closed after the test. */
export function useQueue (prefix: string): ExecutionQueue {
  const queue = new ExecutionQueue({ connection: redisUrl, prefix })
  onTestFinished(() => queue.close())
  return queue
}

export interface ServingInstance {
  child: ChildProcess
  /** Its engine's instance id, once it serves. */
  ready: Promise<string>
  /** Every JSON line it printed, once it has exited. */
  lines: Promise<any[]>
  /** Resolved when it has begun to close (after a SIGTERM). */
  closing: Promise<void>
  /** SIGTERM (close, then exit), resolved when it has exited. */
  stop: () => Promise<any[]>
}

/** Starts a serving instance; it is killed after the test if still alive. */
export function serveInstance (db: TestDatabase, prefix: string, env: Record<string, string> = {}): ServingInstance {
  const child = spawn(process.execPath, [kInstance], {
    env: { ...process.env, GT_DB: JSON.stringify(db.options()), GT_REDIS: redisUrl, GT_PREFIX: prefix, ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let text = ''
  let onReady: (id: string) => void
  const ready = new Promise<string>(resolve => { onReady = resolve })
  let onClosing: () => void
  const closing = new Promise<void>(resolve => { onClosing = resolve })
  child.stdout!.on('data', chunk => {
    text += chunk
    const match = /\{"ready":"([^"]+)"\}/.exec(text)
    if (match !== null) onReady(match[1])
    if (text.includes('{"closing":true}')) onClosing()
  })
  const lines = new Promise<any[]>(resolve => child.on('close', () => {
    resolve(text.split('\n').filter(l => l.length > 0).map(l => JSON.parse(l)))
  }))
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await lines
    }
  })
  return { child, ready, lines, closing, stop: async () => { child.kill('SIGTERM'); return lines } }
}

/** A directory for side-effect files (workflows/test-subjects/side-effect.mjs), removed after the test. */
export async function useSideEffectDir (): Promise<string> {
  return await tempDir()
}

/** How many times each task of an execution wrote its side effect. */
export async function sideEffects (dir: string, executionId: string, taskIds: string[]): Promise<Record<string, number>> {
  const { readFile } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const out: Record<string, number> = {}
  for (const taskId of taskIds) {
    const text = await readFile(join(dir, `${executionId}.${taskId}`), 'utf8').catch(() => '')
    out[taskId] = text.split('\n').filter(l => l.length > 0).length
  }
  return out
}

/** Files in `dir` whose name ends with `suffix`. */
export async function filesEndingWith (dir: string, suffix: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises')
  return (await readdir(dir)).filter(name => name.endsWith(suffix))
}
