import { describe, expect, test } from 'vitest'
import { execution, executionId, failureCase, task, useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()

describe('MySQLStorage.checkIntegrity', () => {
  test('what this version writes is whole: nothing to report', async () => {
    const storage = db.storage({ tablePrefix: 'whole_' })
    await storage.writeRecords({ executions: [execution(1, { status: 'failed' })], tasks: [task(1, 'a'), task(1, 'b', { status: 'failed' })], retries: [failureCase(1)] })
    expect(await storage.checkIntegrity()).toEqual({ terminalWithoutTasks: [], tasksWithoutExecution: [], casesWithoutExecution: [] })
  })

  test('a database half-written the way older releases could leave it is reported, by id', async () => {
    const storage = db.storage({ tablePrefix: 'half_' })
    await storage.init()
    // an older release wrote executions and tasks in separate statements: rows as a crash left them
    await db.query(`INSERT INTO half_executions (id, workflow_id, workflow_version, definition_hash, status, instance_id, input, started_at, updated_at, total_tasks, completed_tasks, failed_tasks)
      VALUES (?, 'wf', '1', REPEAT('a', 64), 'success', 'i', X'', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 2, 2, 0)`, [executionId(2)])
    await db.query(`INSERT INTO half_task_results (execution_id, task_id, name, status, attempts) VALUES (?, 'a', 'a', 'success', 1), (?, 'a', 'a', 'success', 1)`,
      [executionId(2), executionId(3)])
    await storage.writeRetryRecords([failureCase(4)])
    expect(await storage.checkIntegrity()).toEqual({
      terminalWithoutTasks: [executionId(2)], tasksWithoutExecution: [executionId(3)], casesWithoutExecution: [executionId(4)]
    })
  })
})
