import { describe, expect, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { createWorkflow, type Engine, type ExecutionResult, type LogEntry, type SpanNode } from '../dist/index.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()

//   log ─┬─ values ── pass     (a Map, a Date, a BigInt, typed arrays; `pass` returns them unchanged)
//        └─ sink
//   flaky ──┘                  (fails its first attempt)
//   doomed ── skipped          (fails twice: the execution fails)
// `values` has a dependent on purpose: a large output forwarded to a dependent once came back
// detached in execute()'s result, so both the result and the dependent's copy are checked.
const kRuns = 6
const kFailingRuns = 2

async function publish (engine: Engine): Promise<void> {
  await engine.publishWorkflow(createWorkflow('mysql-e2e')
    .addTask('log', { handler: subject('logger.mjs') })
    .addTask('values', { handler: subject('values.mjs'), dependsOn: ['log'] })
    .addTask('pass', { handler: subject('values.mjs#passOn'), dependsOn: ['values'], input: { from: 'values' } })
    .addTask('flaky', { handler: subject('flaky.mjs'), input: { succeedOn: 2 } })
    .addTask('sink', { handler: sharedHandler('noop'), dependsOn: ['log', 'flaky'], name: 'sink — “the end” 😀' })
    .build())
  await engine.publishWorkflow(createWorkflow('mysql-e2e-fails')
    .addTask('doomed', { handler: subject('fail.mjs'), input: { code: 'E_DOOMED', message: `can't "go" on \\ 💥` }, retry: { maxAutoRetries: 1 } })
    .addTask('skipped', { handler: sharedHandler('noop'), dependsOn: ['doomed'] })
    .build())
}

/** Spans expected of a result: one per task attempt and the execution's root. */
function expectedSpans (result: ExecutionResult): number {
  return 1 + Object.values(result.tasks).reduce((n, t) => n + t.attempts, 0)
}

describe('an engine on MySQL storage', () => {
  test("every execution, task result, log line and span is in MySQL after close(), and a second engine reads them back identical", async () => {
    const first = startEngine({ storage: db.storage(), executionLogLevel: 'trace' })
    await publish(first)
    const results = await Promise.all([
      ...Array.from({ length: kRuns }, (_, i) => first.execute('mysql-e2e', { run: i, note: 'ünïcödé ✓' })),
      ...Array.from({ length: kFailingRuns }, () => first.execute('mysql-e2e-fails'))
    ])
    expect(results.map(r => r.status)).toEqual([...Array(kRuns).fill('success'), ...Array(kFailingRuns).fill('failed')])
    for (const r of results.slice(0, kRuns)) {
      const values = r.tasks.values.output as { large: Float64Array }
      expect([values.large.length, values.large[16383]]).toEqual([16384, 8191.5])
      expect(r.tasks.pass.output).toEqual(values)
    }
    const logs = new Map<string, LogEntry[]>()
    const traces = new Map<string, SpanNode[]>()
    for (const r of results) {
      logs.set(r.executionId, await first.getExecutionLogs(r.executionId, { limit: 10_000 }))
      traces.set(r.executionId, await first.getExecutionTrace(r.executionId))
    }
    await first.close()
    expect(first.stats().tracer).toMatchObject({ spansDropped: 0, logsDropped: 0, lost: 0, pending: 0 })

    // counted in the tables themselves
    const ids = results.map(r => r.executionId)
    const count = async (table: string): Promise<number> =>
      Number((await db.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM gt_${table} WHERE execution_id IN (?)`, [ids]))[0].n)
    expect(Number((await db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM gt_executions'))[0].n)).toBe(kRuns + kFailingRuns)
    expect(await count('task_results')).toBe(kRuns * 5 + kFailingRuns * 2)
    expect(await count('spans')).toBe(results.reduce((n, r) => n + expectedSpans(r), 0))
    expect(await count('logs')).toBe([...logs.values()].reduce((n, l) => n + l.length, 0))

    const second = startEngine({ storage: db.storage() })
    const listed = await second.listExecutions({ limit: 100 })
    expect(listed.map(r => r.executionId).sort()).toEqual([...ids].sort())
    for (const result of results) {
      const id = result.executionId
      expect(await second.getExecutionResult(id)).toEqual(result)
      expect(await second.getExecutionLogs(id, { limit: 10_000 })).toEqual(logs.get(id))
      const trace = await second.getExecutionTrace(id)
      expect(trace).toEqual(traces.get(id))
      expect(trace).toHaveLength(1)
      expect(trace[0].children).toHaveLength(expectedSpans(result) - 1)
    }
    // the handler's five lines, at every level, with their data
    const handlerLines = logs.get(results[0].executionId)!.filter(l => l.taskId === 'log')
    expect(handlerLines.map(l => l.level)).toEqual(['trace', 'debug', 'info', 'warn', 'error'])
    expect(handlerLines[0].data).toEqual({ level: 'trace', taskId: 'log' })
    const failed = await second.listExecutions({ status: 'failed', workflowId: 'mysql-e2e-fails' })
    expect(failed.map(r => r.error?.code)).toEqual(['E_DOOMED', 'E_DOOMED'])
  })
})
