import { kExecutionColumns, kTaskColumns } from './codec.js'
import { kLogColumns, kSpanColumns } from './telemetry-codec.js'
import { blobSql } from './blobs.js'
import { retryUpsert } from './retry.js'
import type { InsertSql } from './batch.js'

/** Quoted table names of one storage, its prefix applied. */
export interface Tables {
  executions: string
  tasks: string
  logs: string
  spans: string
  blobs: string
  retries: string
  instances: string
  shapes: string
  cache: string
  cacheParts: string
}

/** The SQL text of every statement MySQLStorage sends, built once per storage. */
export interface Statements {
  upsertExecutions: InsertSql
  upsertTasks: InsertSql
  upsertBlobs: string
  upsertRetries: InsertSql
  insertLogs: InsertSql
  insertSpans: InsertSql
  selectExecution: string
  selectExecutions: string
  selectTasks: string
  selectLogs: string
  selectSpans: string
}

/** The quoted tables of a prefix (an identifier, checked by the options). */
export function tables (prefix: string): Tables {
  const t = (name: string): string => `\`${prefix}${name}\``
  return {
    executions: t('executions'),
    tasks: t('task_results'),
    logs: t('logs'),
    spans: t('spans'),
    blobs: t('blobs'),
    retries: t('retry_records'),
    instances: t('instances'),
    shapes: t('workflow_shapes'),
    cache: t('result_cache'),
    cacheParts: t('result_cache_parts')
  }
}

/** Builds the statements of one storage from its table names. */
export function statements (t: Tables): Statements {
  // An execution the scan marked interrupted stays so until its instance (back from a
  // partition) writes a terminal state: a late `running` update does not revive it.
  // Nor does a write of an instance whose delivery was taken over (a lower fence:
  // it froze past its queue lock) replace what the new owner wrote.
  const stale = "(VALUES(fence) < fence OR (status = 'interrupted' AND VALUES(status) = 'running'))"
  const executionUpdate = kExecutionColumns.filter(c => c !== 'id' && c !== 'input' && c !== 'input_parts' && c !== 'status' && c !== 'fence')
  const fencedTask = '(VALUES(fence) < fence)'
  const taskUpdate = kTaskColumns.filter(c => c !== 'execution_id' && c !== 'task_id' && c !== 'map_index' && c !== 'fence')
  return {
    // VALUES(col) rather than MySQL 8.0.19's row alias: MariaDB has no row alias.
    upsertExecutions: {
      head: `INSERT INTO ${t.executions} (${kExecutionColumns.join(', ')}) VALUES `,
      // The input never changes after the first write: keep the stored one. Status last,
      // since the assignments see the columns already updated.
      tail: ' ON DUPLICATE KEY UPDATE ' + executionUpdate.map(c => `${c} = IF(${stale}, ${c}, VALUES(${c}))`).join(', ') +
        `, status = IF(${stale}, status, VALUES(status)), fence = GREATEST(fence, VALUES(fence))`
    },
    upsertTasks: {
      head: `INSERT INTO ${t.tasks} (${kTaskColumns.join(', ')}) VALUES `,
      // The fence last, since the assignments see the columns already updated.
      tail: ' ON DUPLICATE KEY UPDATE ' + taskUpdate.map(c => `${c} = IF(${fencedTask}, ${c}, VALUES(${c}))`).join(', ') +
        ', fence = GREATEST(fence, VALUES(fence))'
    },
    upsertBlobs: blobSql(t.blobs),
    upsertRetries: retryUpsert(t.retries),
    // A retried batch whose first INSERT reached the server is a no-op on the key.
    insertLogs: { head: `INSERT INTO ${t.logs} (${kLogColumns.join(', ')}) VALUES `, tail: ' ON DUPLICATE KEY UPDATE seq = seq' },
    insertSpans: { head: `INSERT INTO ${t.spans} (${kSpanColumns.join(', ')}) VALUES `, tail: ' ON DUPLICATE KEY UPDATE span_id = span_id' },
    selectExecution: `SELECT ${kExecutionColumns.join(', ')} FROM ${t.executions} WHERE id = ?`,
    selectExecutions: `SELECT ${kExecutionColumns.join(', ')} FROM ${t.executions}`,
    selectTasks: `SELECT ${kTaskColumns.join(', ')} FROM ${t.tasks} WHERE execution_id = ? ORDER BY started_at IS NULL, started_at, task_id, map_index`,
    selectLogs: `SELECT ${kLogColumns.join(', ')} FROM ${t.logs}`,
    selectSpans: `SELECT ${kSpanColumns.join(', ')} FROM ${t.spans} WHERE execution_id = ? ORDER BY start_time, span_id`
  }
}
