import { describe, expect, onTestFinished, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { createWorkflow } from '../dist/index.js'
import { type MySQLStorage } from '../dist/mysql.js'
import { Recorder, kTracerDefaults } from '../src/telemetry/recorder.js'
import { sharedHandler, startEngine, subject } from './helpers/engine.js'
import { execution, executionId, failureCase, log, source, span, task, useTestDatabase } from './helpers/mysql.js'
import { memoryLogger } from './helpers/capture.js'

const db = useTestDatabase()


/** A recorder on its own tables, its error lines kept. */
function recorderOn (prefix: string): { recorder: Recorder, storage: MySQLStorage, lines: Array<Record<string, unknown>> } {
  const { logger, lines } = memoryLogger('error')
  const storage = db.storage({ tablePrefix: prefix })
  const recorder = new Recorder(storage, { ...kTracerDefaults, flushInterval: 60_000, writeRetryDelay: 5, maxWriteRetryDelay: 20 }, logger)
  onTestFinished(() => recorder.close(1000))
  return { recorder, storage, lines }
}

async function ids (table: string): Promise<string[]> {
  const rows = await db.query<RowDataPacket[]>(`SELECT ${table.endsWith('executions') ? 'id' : 'execution_id'} AS id FROM ${table} ORDER BY 1`)
  return rows.map(r => r.id as string)
}

describe('a record the server refuses is set aside alone', () => {
  test('a failure case with a 20 MB message and a code longer than its column is stored cut, with a marker, and the records behind it are written', async () => {
    const { recorder, storage } = recorderOn('big_')
    recorder.recordExecution(execution(1, { status: 'failed' }))
    recorder.recordRetry(failureCase(1, { errorCode: 'C'.repeat(70_000), errorMessage: 'm'.repeat(20 << 20) }))
    for (const n of [2, 3, 4]) recorder.recordExecution(execution(n))
    // before: the statement exceeded max_allowed_packet, was retried forever, and this never returned
    await recorder.flush()
    const stored = await storage.getRetryRecord(executionId(1))
    expect(stored?.errorMessage).toMatch(/^m{1000}.*… \[truncated by graph-task: \d+ of 20971520 characters not stored\]$/s)
    expect(stored?.errorCode).toMatch(/… \[truncated by graph-task: \d+ of 70000 characters not stored\]$/)
    expect(await ids('big_executions')).toEqual([1, 2, 3, 4].map(executionId))
    expect(recorder.stats()).toMatchObject({ rejected: 0, lost: 0, recordsWritten: 5 })
  })

  test('of every kind, the one refused row is set aside, logged with its id and counted, and the rest of the flush is written', async () => {
    const { recorder, lines } = recorderOn('bad_')
    // negative counts do not fit their UNSIGNED columns: the server refuses them in strict mode
    recorder.recordExecution(execution(1))
    recorder.recordExecution(execution(2, { completedTasks: -1 }))
    recorder.recordExecution(execution(3))
    recorder.recordTask(source(task(1, 'a')), 0)
    recorder.recordTask(source(task(1, 'b', { attempts: -1 })), 0)
    recorder.recordTask(source(task(3, 'a')), 0)
    recorder.recordRetry(failureCase(1, { manualAttempts: -1 }))
    recorder.recordRetry(failureCase(3))
    recorder.recordLog(log(1, 0))
    recorder.recordLog(log(1, 1, { attempt: -1 }))
    recorder.recordSpan(span(1, 0))
    recorder.recordSpan(span(1, 1, { startTime: Number.NaN }))
    await recorder.flush()
    expect(recorder.stats()).toMatchObject({ rejected: 5, lost: 0, logsWritten: 1, spansWritten: 1 })
    const refused = lines.filter(l => /refused a record for good/.test(String(l.msg))).map(l => [l.kind, l.id]).sort()
    expect(refused).toEqual([
      ['executions', executionId(2)], ['logs', expect.stringMatching(new RegExp(`^${executionId(1)}/log@`))],
      ['retries', `${executionId(1)}/retry`], ['spans', `${executionId(1)}/span:${span(1, 1).spanId}`], ['tasks', `${executionId(1)}/b`]
    ].sort())
    expect(await ids('bad_executions')).toEqual([executionId(1), executionId(3)])
    expect(await ids('bad_task_results')).toEqual([executionId(1), executionId(3)])
    expect(await ids('bad_retry_records')).toEqual([executionId(3)])
    expect(await ids('bad_logs')).toEqual([executionId(1)])
    expect(await ids('bad_spans')).toEqual([executionId(1)])
  })

  test('the tasks and case of an execution whose row is refused are set aside with it, so that none points at nothing', async () => {
    const { recorder, lines } = recorderOn('cascade_')
    recorder.recordExecution(execution(1, { totalTasks: -1, status: 'failed' }))
    recorder.recordTask(source(task(1, 'a')), 0)
    recorder.recordRetry(failureCase(1))
    recorder.recordExecution(execution(2))
    recorder.recordTask(source(task(2, 'a')), 0)
    await recorder.flush()
    expect(recorder.stats()).toMatchObject({ rejected: 3, recordsWritten: 2 })
    expect(lines.filter(l => /refused/.test(String(l.msg))).map(l => l.kind).sort()).toEqual(['executions', 'retries', 'tasks'])
    expect(await ids('cascade_task_results')).toEqual([executionId(2)])
    expect(await ids('cascade_retry_records')).toEqual([])
  })

  test('an engine whose task fails with a 20 MB message and a 70 kB code records it, and every later execution is written', { timeout: 60_000 }, async () => {
    const engine = startEngine({ storage: db.storage({ tablePrefix: 'e2e_' }), tracer: { flushInterval: 20 } })
    await engine.publishWorkflow(createWorkflow('huge-error')
      .addTask('a', { handler: subject('fail.mjs'), input: { code: 'C'.repeat(70_000), message: 'm'.repeat(20 << 20) }, retry: { maxAutoRetries: 0 } })
      .build())
    await engine.publishWorkflow(createWorkflow('fine').addTask('a', { handler: sharedHandler('noop') }).build())
    const failed = await engine.execute('huge-error')
    const later = await Promise.all(Array.from({ length: 20 }, () => engine.execute('fine')))
    await engine.flush()
    const reader = db.storage({ tablePrefix: 'e2e_' })
    expect((await reader.getExecution(failed.executionId))?.error?.message).toMatch(/truncated by graph-task/)
    expect((await reader.getRetryRecord(failed.executionId))?.status).toBe('pending')
    const stored = await reader.listExecutions({ workflowId: 'fine', limit: 100 })
    expect(stored.map(e => e.status)).toEqual(later.map(() => 'success'))
    expect(engine.stats().tracer).toMatchObject({ rejected: 0, lost: 0 })
  })
})
