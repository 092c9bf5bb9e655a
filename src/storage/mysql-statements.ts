import { kExecutionColumns, kLogColumns, kSpanColumns, kTaskColumns } from './mysql-codec.js'
import type { InsertSql } from './mysql-batch.js'

/** Quoted table names of one storage, its prefix applied. */
export interface Tables { executions: string, tasks: string, logs: string, spans: string }

/** The SQL text of every statement MySQLStorage sends, built once per storage. */
export interface Statements {
  upsertExecutions: InsertSql
  upsertTasks: InsertSql
  insertLogs: InsertSql
  insertSpans: InsertSql
  selectExecution: string
  selectExecutions: string
  selectTasks: string
  selectLogs: string
  selectSpans: string
}

/** Builds the statements of one storage from its table names (identifiers checked by the options). */
export function statements (t: Tables): Statements {
  const update = (cols: readonly string[], key: readonly string[]): string =>
    ' ON DUPLICATE KEY UPDATE ' + cols.filter(c => !key.includes(c)).map(c => `${c} = VALUES(${c})`).join(', ')
  return {
    // VALUES(col) rather than MySQL 8.0.19's row alias: MariaDB has no row alias.
    upsertExecutions: {
      head: `INSERT INTO ${t.executions} (${kExecutionColumns.join(', ')}) VALUES `,
      // The input never changes after the first write: keep the stored one.
      tail: update(kExecutionColumns, ['id', 'input'])
    },
    upsertTasks: {
      head: `INSERT INTO ${t.tasks} (${kTaskColumns.join(', ')}) VALUES `,
      tail: update(kTaskColumns, ['execution_id', 'task_id'])
    },
    // A retried batch whose first INSERT reached the server is a no-op on the key.
    insertLogs: { head: `INSERT INTO ${t.logs} (${kLogColumns.join(', ')}) VALUES `, tail: ' ON DUPLICATE KEY UPDATE seq = seq' },
    insertSpans: { head: `INSERT INTO ${t.spans} (${kSpanColumns.join(', ')}) VALUES `, tail: ' ON DUPLICATE KEY UPDATE span_id = span_id' },
    selectExecution: `SELECT ${kExecutionColumns.join(', ')} FROM ${t.executions} WHERE id = ?`,
    selectExecutions: `SELECT ${kExecutionColumns.join(', ')} FROM ${t.executions}`,
    selectTasks: `SELECT ${kTaskColumns.join(', ')} FROM ${t.tasks} WHERE execution_id = ? ORDER BY started_at IS NULL, started_at, task_id`,
    selectLogs: `SELECT ${kLogColumns.join(', ')} FROM ${t.logs}`,
    selectSpans: `SELECT ${kSpanColumns.join(', ')} FROM ${t.spans} WHERE execution_id = ? ORDER BY start_time, span_id`
  }
}
