/**
 * Workflow shapes in `<prefix>workflow_shapes`: one row per definition hash, written
 * once (INSERT IGNORE: the same hash always describes the same definition) and read by
 * whoever draws an execution's DAG.
 */
import type { RowDataPacket } from 'mysql2/promise'
import type { WorkflowShape } from '../../types.js'
import type { Session } from './pool.js'

/** Keeps `shape` unless its hash is kept already. */
export async function writeShape (session: Session, table: string, shape: WorkflowShape): Promise<void> {
  await session.run(`INSERT IGNORE INTO ${table} (definition_hash, workflow_id, workflow_version, shape, created_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))`,
    [shape.definitionHash, shape.workflowId, shape.version, JSON.stringify(shape)])
}

/** The shape kept for `definitionHash`, or undefined. */
export async function readShape (session: Session, table: string, definitionHash: string): Promise<WorkflowShape | undefined> {
  const rows = await session.run(`SELECT shape FROM ${table} WHERE definition_hash = ?`, [definitionHash]) as RowDataPacket[]
  return rows.length === 0 ? undefined : JSON.parse(String(rows[0].shape)) as WorkflowShape
}
