import { beforeEach, describe, expect, test } from 'vitest'
import { InvalidOptionsError, MemoryStorage, type ExecutionQuery, type LogLevel, type LogQuery } from '../dist/index.js'
import type { StoredExecution } from '../dist/storage.js'
import { type MySQLStorage } from '../dist/mysql.js'
import { execution, executionId, log, task, useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()
let storage: MySQLStorage
const memory = new MemoryStorage()
const kStatuses = ['success', 'failed', 'cancelled', 'running'] as const
const kLevels: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']

// 60 executions of three workflows with every status, and logs of two tasks at every level;
// seeded before the first test, so that a missing server fails each test (see useTestDatabase).
let ready: Promise<void> | undefined
beforeEach(async () => { await (ready ??= seed()) })
async function seed (): Promise<void> {
  storage = db.storage()
  const records: StoredExecution[] = []
  for (let n = 1; n <= 60; n++) {
    records.push(execution(n, { workflowId: `wf-${n % 3}`, status: kStatuses[n % 4] }))
  }
  const logs = Array.from({ length: 120 }, (_, i) => log(7, i, {
    level: kLevels[i % 6],
    ...(i % 5 === 0 ? {} : { taskId: `t${i % 2}`, attempt: 1 + (i % 3) })
  }))
  for (const target of [storage, memory]) {
    await target.writeExecutions(records)
    await target.writeLogs(logs)
  }
}

const ids = (list: StoredExecution[]): string[] => list.map(r => r.executionId)

describe('MySQLStorage queries mean what they mean in MemoryStorage', () => {
  const queries: Array<[string, ExecutionQuery]> = [
    ['no filter', {}],
    ['a workflow', { workflowId: 'wf-1' }],
    ['a status', { status: 'failed' }],
    ['a list of statuses', { status: ['failed', 'cancelled'] }],
    ['an empty list of statuses', { status: [] }],
    ['a time range, from inclusive and to exclusive', { from: execution(10).startedAt, to: execution(20).startedAt }],
    ['a time range given as Dates', { from: new Date(execution(10).startedAt), to: new Date(execution(20).startedAt) }],
    ['a workflow, a status and a range together', { workflowId: 'wf-2', status: 'running', from: execution(5).startedAt }],
    ['limit and offset', { limit: 7, offset: 5 }],
    ['keyset pagination after an id', { after: executionId(30), limit: 10 }],
    ['keyset with a filter', { after: executionId(50), workflowId: 'wf-0', limit: 4 }],
    ['a limit of zero', { limit: 0 }],
    ['a workflow that does not exist', { workflowId: 'nope' }]
  ]
  for (const [name, query] of queries) {
    test(`listExecutions by ${name} gives the same executions, newest first`, async () => {
      const expected = await memory.listExecutions(query)
      expect(ids(await storage.listExecutions(query))).toEqual(ids(expected))
      if (query.from !== undefined) expect(expected.length).toBeGreaterThan(0)
    })
  }

  test('paging with after walks every execution once, newest first', async () => {
    const seen: string[] = []
    let after: string | undefined
    for (;;) {
      const page = await storage.listExecutions({ limit: 8, ...(after === undefined ? {} : { after }) })
      if (page.length === 0) break
      seen.push(...ids(page))
      after = page[page.length - 1].executionId
    }
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => executionId(60 - i)))
  })

  const logQueries: Array<[string, LogQuery]> = [
    ['no filter', {}],
    ['a task', { taskId: 't1' }],
    ['a minimum level', { level: 'warn' }],
    ['a task and a level, paged', { taskId: 't0', level: 'debug', limit: 5, offset: 3 }],
    ['a task without lines', { taskId: 'none' }]
  ]
  for (const [name, query] of logQueries) {
    test(`getLogs by ${name} gives the same lines, oldest first`, async () => {
      expect(await storage.getLogs(executionId(7), query)).toEqual(await memory.getLogs(executionId(7), query))
    })
  }

  test('task results of an execution come in one query, in start order, and none for an unknown id', async () => {
    // Tables of its own: the 60 seeded executions are what the listing tests count.
    const storage = db.storage({ tablePrefix: 'tasks_' })
    await storage.writeExecutions([execution(61)])
    const tasks = [task(61, 'b', { startedAt: 5.001 }), task(61, 'a', { startedAt: 7.002 }), task(61, 'skipped', { status: 'skipped', startedAt: undefined, endedAt: undefined, duration: undefined, output: undefined, attempts: 0 })]
    await storage.writeTaskResults(tasks)
    expect((await storage.getTaskResults(executionId(61))).map(t => t.taskId)).toEqual(['b', 'a', 'skipped'])
    expect(await storage.getTaskResults(executionId(99))).toEqual([])
    expect(await storage.getExecution(executionId(99))).toBeUndefined()
  })

  test('a negative limit or an unknown level is refused with InvalidOptionsError', async () => {
    await expect(storage.listExecutions({ limit: -1 })).rejects.toBeInstanceOf(InvalidOptionsError)
    await expect(storage.getLogs(executionId(7), { level: 'loud' as LogLevel })).rejects.toThrow(/level must be one of/)
  })
})
