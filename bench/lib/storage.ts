/**
 * MySQLStorage from the built package (its own entry, graph-task/mysql), looked up at
 * run time so that the scenarios that do not need it still load when it is missing from dist.
 */
import type { ExecutionStorage } from '../../dist/index.js'

type MySQLStorageCtor = new (options: { uri: string, tablePrefix?: string }) => ExecutionStorage

export async function mysqlStorage (uri: string, tablePrefix?: string): Promise<ExecutionStorage> {
  const mod = await import('../../dist/mysql.js').catch(() => ({})) as { MySQLStorage?: MySQLStorageCtor }
  if (typeof mod.MySQLStorage !== 'function') {
    throw new Error('dist/mysql.js exports no MySQLStorage: run `npm run build`')
  }
  return new mod.MySQLStorage({ uri, ...(tablePrefix === undefined ? {} : { tablePrefix }) })
}
