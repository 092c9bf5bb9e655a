import { expect, test } from 'vitest'
import type { RowDataPacket } from 'mysql2/promise'
import { createWorkflow } from '../dist/index.js'
import { sharedHandler, startEngine } from './helpers/engine.js'
import { useTestDatabase } from './helpers/mysql.js'
import { memoryLogger } from './helpers/capture.js'

const db = useTestDatabase()
// The storage's internal hook: its writer threads die when handed the records of an execution.
const kWriterFault = Symbol.for('graph-task.mysql.writerFault')

// Guarantee "a batch that kills the writer is refused alone, not sent forever": without
// the refusal in WriterLink.#exited, flush() never resolves (checked); without the
// one-at-a-time resend after a death and the check that the request was alone, the
// spans and log lines in flight beside it are refused too (checked: 8 refused, not 3).
test('a batch of records that kills the writer thread each time is refused alone after three deaths, and the writes beside and behind it are stored', async () => {
  const { logger, lines } = memoryLogger('error')
  const storage = db.storage({ tablePrefix: 'poison_' })
  // Nothing is written before flush(): the execution's records are handed over in one batch, after the fault is set.
  const engine = startEngine({ storage, logger, tracer: { flushInterval: 60_000, writeRetryDelay: 10, maxWriteRetryDelay: 40 } })
  await engine.publishWorkflow(createWorkflow('pair')
    .addTask('a', { handler: sharedHandler('noop') })
    .addTask('b', { handler: sharedHandler('noop'), dependsOn: ['a'] })
    .build())

  const bad = await engine.execute('pair')
  ;(storage as unknown as Record<symbol, (id: string) => void>)[kWriterFault](bad.executionId)
  await engine.flush()
  const good = await Promise.all([engine.execute('pair'), engine.execute('pair')])
  await engine.flush()

  const stats = engine.stats().tracer
  // one execution and its two task results, refused; nothing lost, no span or log line refused with them
  expect(stats).toMatchObject({ writerRestarts: 3, rejected: 3, lost: 0 })
  expect(stats.spansWritten).toBe(stats.spansRecorded)
  expect(stats.logsWritten).toBe(stats.logsRecorded)
  const refusals = lines.filter(l => /refused a record for good/.test(String(l.msg)))
  expect(refusals.map(l => l.id).sort()).toEqual([bad.executionId, `${bad.executionId}/a`, `${bad.executionId}/b`].sort())
  expect(refusals[0].reason).toMatch(/writer thread died 3 times while writing this batch of records/)

  const stored = await db.query<RowDataPacket[]>('SELECT id, status FROM poison_executions')
  expect(stored.map(r => [r.id, r.status]).sort()).toEqual(good.map(r => [r.executionId, 'success']).sort())
  const spans = await db.query<RowDataPacket[]>('SELECT execution_id FROM poison_spans WHERE execution_id = ?', [bad.executionId])
  expect(spans).toHaveLength(3)
})
