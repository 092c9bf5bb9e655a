import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import pino from 'pino'
import { Engine, type EngineOptions, type ExecutionResult } from '../../dist/index.js'

/** A handler module of workflows/test-subjects, with `#name` for a named export. */
export function subject (file: string): URL {
  return new URL(`../../workflows/test-subjects/${file}`, import.meta.url)
}

/** A handler of workflows/shared/handlers.mjs: noop, spin or echo. */
export function sharedHandler (name: 'noop' | 'spin' | 'echo'): URL {
  return new URL(`../../workflows/shared/handlers.mjs#${name}`, import.meta.url)
}

/**
 * An engine sized for tests: two threads, retries a few ms apart, a silent logger.
 * Closed when the test ends, cancelling what still runs so that a failed test never hangs.
 */
export function startEngine (options: EngineOptions = {}): Engine {
  const engine = new Engine({
    threads: 2,
    logger: pino({ level: 'silent' }),
    ...options,
    retry: { retryDelay: 5, maxRetryDelay: 20, ...options.retry }
  })
  onTestFinished(() => engine.close({ cancel: true }))
  return engine
}

/** A fresh directory removed when the test ends; for fixtures that write files. */
export async function tempDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'graph-task-test-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Lines of a file written by the counter or abortable fixtures; none when it does not exist. */
export async function lines (file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text.split('\n').filter(l => l.length > 0)
}

/** What record.mjs returns: when and on which thread it was busy. */
export interface Interval { start: number, end: number, threadId: number }

/** The record.mjs outputs of a result, by task id. */
export function intervals (result: ExecutionResult): Record<string, Interval> {
  const out: Record<string, Interval> = {}
  for (const [id, task] of Object.entries(result.tasks)) out[id] = task.output as Interval
  return out
}

/**
 * The most intervals that overlap at one moment. `slack` ms absorbs clock differences
 * between threads: each thread reads performance.timeOrigin + now() of its own.
 */
export function maxOverlap (list: readonly Interval[], slack = 0.5): number {
  const points: Array<[time: number, delta: number]> = []
  for (const { start, end } of list) points.push([start + slack, 1], [end - slack, -1])
  // ends before starts at the same time: touching intervals do not overlap
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let current = 0
  let max = 0
  for (const [, delta] of points) max = Math.max(max, current += delta)
  return max
}
