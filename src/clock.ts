/**
 * The engine's clock: epoch milliseconds with microsecond precision (three
 * decimals), from `performance.timeOrigin + performance.now()` of the thread that
 * reads it. Times made this way round-trip exactly through storage (DATETIME(6)).
 */
import { performance } from 'node:perf_hooks'

const origin = performance.timeOrigin

export function now (): number {
  return Math.round((origin + performance.now()) * 1000) / 1000
}
