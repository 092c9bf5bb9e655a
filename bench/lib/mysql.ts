/**
 * A throwaway database per benchmark run on the local MariaDB/MySQL, created at
 * the start and dropped at the end. GRAPH_TASK_BENCH_MYSQL overrides the server
 * (default mysql://root@127.0.0.1:3306).
 */
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'

export const MYSQL_SERVER = process.env.GRAPH_TASK_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306'

export interface BenchDatabase {
  name: string
  /** mysql://.../<name>, for MySQLStorage. */
  uri: string
  /** A connection to the database, for the baselines. */
  connection: mysql.Connection
  drop (): Promise<void>
}

export async function createDatabase (scenario: string): Promise<BenchDatabase> {
  const name = `gt_bench_${scenario.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`
  const admin = await mysql.createConnection(MYSQL_SERVER)
  await admin.query(`CREATE DATABASE \`${name}\``)
  await admin.end()
  const uri = `${MYSQL_SERVER.replace(/\/$/, '')}/${name}`
  const connection = await mysql.createConnection(uri)
  return {
    name,
    uri,
    connection,
    async drop () {
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await connection.end()
    }
  }
}
