import { describe, expect, onTestFinished, test } from 'vitest'
import mysql, { type RowDataPacket } from 'mysql2/promise'
import { createWorkflow, type ExecutionResult } from '../dist/index.js'
import { sharedHandler, startEngine } from './helpers/engine.js'
import { runningStatements, serverSettings, useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()

/** `n` finished executions forty days old, two task rows each, loaded in two statements. */
async function oldExecutions (prefix: string, n: number): Promise<void> {
  const old = 'UTC_TIMESTAMP(6) - INTERVAL 40 DAY + INTERVAL seq SECOND'
  await db.query(`INSERT INTO ${prefix}executions (id, workflow_id, workflow_version, definition_hash, status, instance_id, input, started_at, ` +
    `updated_at, ended_at, total_tasks, completed_tasks, failed_tasks) SELECT CONCAT('00OLD', LPAD(seq, 21, '0')), 'old', '1', REPEAT('a', 64), ` +
    `'success', 'gone:1:x', '', ${old}, ${old}, ${old}, 2, 2, 0 FROM seq_1_to_${n}`)
  await db.query(`INSERT INTO ${prefix}task_results (execution_id, task_id, name, status, attempts) ` +
    `SELECT CONCAT('00OLD', LPAD(seq DIV 2 + 1, 21, '0')), IF(seq % 2 = 0, 'a', 'b'), 't', 'success', 1 FROM seq_0_to_${2 * n - 1}`)
}

async function count (sql: string, params?: unknown[]): Promise<number> {
  return Number((await db.query<RowDataPacket[]>(sql, params))[0].n)
}

/** Another session holding, in an open transaction, the row lock of old execution 5 of `prefix`. */
async function holdRow (prefix: string): Promise<mysql.Connection> {
  const holder = await mysql.createConnection({ ...serverSettings(), database: db.name })
  onTestFinished(() => holder.end())
  await holder.query('START TRANSACTION')
  await holder.query(`SELECT id FROM ${prefix}executions WHERE id = CONCAT('00OLD', LPAD(5, 21, '0')) FOR UPDATE`)
  return holder
}

/**
 * Resolves once a purge of `prefix` runs its locking read, inside its transaction and
 * under the lease: with execution 5 held by holdRow, that read cannot end until the holder does.
 */
async function purgeBlocked (prefix: string): Promise<void> {
  await expect.poll(() => runningStatements(db, `SELECT id FROM \`${prefix.replace('_', '\\_')}executions\` WHERE id IN %FOR UPDATE`),
    { timeout: 40_000 }).toBe(1)
}

describe('purging while executions are written', () => {
  test('a purge running while an engine writes executions loses none of the new ones', { timeout: 120_000 }, async () => {
    const writer = db.storage({ tablePrefix: 'c1_' })
    await writer.init()
    await oldExecutions('c1_', 3000)
    const engine = startEngine({ storage: writer })
    await engine.publishWorkflow(createWorkflow('fresh')
      .addTask('a', { handler: sharedHandler('noop') })
      .addTask('b', { handler: sharedHandler('noop'), dependsOn: ['a'] })
      .build())
    // Another instance purges, as a deployment's would.
    let purged = false
    const other = db.storage({ tablePrefix: 'c1_' })
    const purge = other.purge({ olderThan: '30d' }).finally(() => { purged = true })
    const results: ExecutionResult[] = []
    do {
      results.push(...await Promise.all([1, 2, 3, 4].map(() => engine.execute('fresh', {}))))
    } while (!purged)
    expect((await purge).removed).toMatchObject({ executions: 3000, taskResults: 6000 })
    await engine.close()
    const ids = results.map(r => r.executionId)
    expect(await count('SELECT COUNT(*) AS n FROM c1_executions WHERE id IN (?) AND status = \'success\'', [ids])).toBe(ids.length)
    expect(await count('SELECT COUNT(*) AS n FROM c1_task_results WHERE execution_id IN (?)', [ids])).toBe(2 * ids.length)
    expect(await count('SELECT COUNT(*) AS n FROM c1_executions')).toBe(ids.length)
    expect(await other.checkIntegrity()).toEqual({ terminalWithoutTasks: [], tasksWithoutExecution: [], casesWithoutExecution: [] })
  })

  test('one instance purges at a time: a purge asked while another holds the lease does nothing and says so', { timeout: 60_000 }, async () => {
    const a = db.storage({ tablePrefix: 'c2_' })
    const b = db.storage({ tablePrefix: 'c2_' })
    await Promise.all([a.init(), b.init()])
    await oldExecutions('c2_', 10)
    // Hold a row lock on one old execution, so that A's purge waits in its transaction, lease held.
    const holder = await holdRow('c2_')
    const first = a.purge({ olderThan: '30d' })
    await purgeBlocked('c2_')
    const second = await b.purge({ olderThan: '30d' })
    expect(second).toMatchObject({ ran: false, removed: { executions: 0, taskResults: 0 }, partitionsDropped: { spans: [], logs: [] } })
    await holder.query('ROLLBACK')
    expect(await first).toMatchObject({ ran: true, removed: { executions: 10, taskResults: 20 } })
    expect(await b.purge({ olderThan: '30d' })).toMatchObject({ ran: true, removed: { executions: 0 } })
  })

  test('closing a storage while its purge waits in a transaction lets that transaction finish, not cut between two statements', { timeout: 60_000 }, async () => {
    const storage = db.storage({ tablePrefix: 'c3_' })
    await storage.init()
    await oldExecutions('c3_', 10)
    const holder = await holdRow('c3_')
    const purge = storage.purge({ olderThan: '30d' })
    await purgeBlocked('c3_')
    // close() is under way when the lock goes: the purge's next statements must still run.
    const closed = storage.close()
    await holder.query('ROLLBACK')
    expect(await purge).toMatchObject({ ran: true, removed: { executions: 10, taskResults: 20 } })
    await closed
    expect(await count('SELECT COUNT(*) AS n FROM c3_executions')).toBe(0)
  })
})
