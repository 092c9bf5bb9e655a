import { describe, expect, test } from 'vitest'
import { useTestDatabase } from './helpers/mysql.js'
// @ts-expect-error: a plain .mjs script without types
import { runCrashHarness } from '../scripts/crash-harness.mjs'

const db = useTestDatabase()

// The short run of scripts/crash-harness.mjs (which takes --kills for a long one): a child
// engine killed with SIGKILL twice while it runs and twice while it closes, the
// invariants checked with plain SQL after each kill.
describe('crash harness', () => {
  test('after every SIGKILL, during runs and during close(), the database holds every invariant', { timeout: 60_000 }, async () => {
    const { host, port, user, password, database } = db.options() as Record<string, unknown>
    const result = await runCrashHarness({ kills: 4, db: { host, port, user, password, database }, prefix: 'crash_', runMs: [300, 800] })
    expect(result.violations).toEqual([])
    // the kills landed: the children were killed, not ended by themselves, and wrote history before
    expect(result.runs.filter((r: { killed: boolean }) => r.killed).length).toBeGreaterThanOrEqual(2)
    expect(result.runs[result.runs.length - 1].executions).toBeGreaterThan(0)
  })
})
