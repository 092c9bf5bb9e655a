/**
 * How long MySQLStorage keeps its history, and the durations its options and the
 * CLI accept: `'30d'`, `'12h'`, `'15m'`, `'45s'`, `'500ms'`, or a number of ms.
 */
import { InvalidOptionsError } from '../errors.js'
import { describeValue, rejectUnknownKeys } from '../option-keys.js'

/** A length of time: a number of ms, or a string such as `'7d'`, `'12h'`, `'30m'`, `'45s'`, `'250ms'`. */
export type Duration = number | string

/**
 * The `retention` option of MySQLStorage: what is older than each age is removed in
 * the background, by one instance at a time. A table left out is kept forever.
 */
export interface RetentionOptions {
  /**
   * Finished executions (success, failed, cancelled, interrupted) with their task
   * results, stored values and closed failure cases, by the time they last changed.
   * Executions still running, and those an open failure case (pending, retrying)
   * points at, are kept whatever their age.
   * @default undefined (kept forever)
   */
  executions?: Duration
  /**
   * Log lines, by their time. Removed a whole day partition at a time, once the
   * day's end is older than this: a line goes at most one day after it is due.
   * @default undefined (kept forever)
   */
  logs?: Duration
  /**
   * Spans, by their start time; removed by day partition, as logs are.
   * @default undefined (kept forever)
   */
  spans?: Duration
  /**
   * Time between two background runs; the first runs when the storage initialises.
   * @default '1h'
   */
  interval?: Duration
}

/** Retention with every age in ms; `undefined` ages keep their table forever. */
export interface ResolvedRetention {
  executions: number | undefined
  logs: number | undefined
  spans: number | undefined
  interval: number
}

const kDefaults = Object.freeze({ interval: 3_600_000 })
const kKnownKeys = Object.freeze(['executions', 'logs', 'spans', 'interval'])
const kUnits: Readonly<Record<string, number>> = Object.freeze({ ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 })
const kDurationPattern = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/

/**
 * A duration in ms.
 * @param name names the option in the message, e.g. `retention.logs` or `--older-than`
 * @throws {InvalidOptionsError} unless a positive number of ms or a string like '7d'
 */
export function parseDuration (value: unknown, name: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value
  } else if (typeof value === 'string') {
    const match = kDurationPattern.exec(value)
    if (match !== null) {
      const ms = Number(match[1]) * kUnits[match[2]]
      if (ms > 0) return ms
    }
  }
  throw new InvalidOptionsError(`${name} must be a positive duration: ms as a number, or a string such as '7d', '12h', '30m', '45s' or '500ms'; got ${describeValue(value)}`)
}

/**
 * Checks the `retention` option; undefined when absent (nothing is ever removed in the background).
 * @throws {InvalidOptionsError} for an unknown key or a duration that is not one
 */
export function resolveRetention (input: RetentionOptions | undefined): ResolvedRetention | undefined {
  if (input === undefined) return undefined
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidOptionsError(`MySQLStorage: retention must be an object such as { executions: '30d', logs: '7d', spans: '7d' }; got ${describeValue(input)}`)
  }
  rejectUnknownKeys(input, kKnownKeys, 'MySQLStorage retention')
  const age = (key: 'executions' | 'logs' | 'spans'): number | undefined =>
    input[key] === undefined ? undefined : parseDuration(input[key], `MySQLStorage: retention.${key}`)
  return Object.freeze({
    executions: age('executions'),
    logs: age('logs'),
    spans: age('spans'),
    interval: input.interval === undefined ? kDefaults.interval : parseDuration(input.interval, 'MySQLStorage: retention.interval')
  })
}
