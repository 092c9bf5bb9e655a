import type { ExecutionStorage } from '../storage/storage.js'

/** MySQL storage from `--mysql` or GRAPH_TASK_MYSQL_URL; undefined for the in-memory default. */
export async function openStorage (uri: string | undefined): Promise<ExecutionStorage | undefined> {
  const url = uri ?? process.env.GRAPH_TASK_MYSQL_URL
  if (url === undefined || url === '') return undefined
  const { MySQLStorage } = await import('../storage/mysql.js')
  return new MySQLStorage({ uri: url })
}
