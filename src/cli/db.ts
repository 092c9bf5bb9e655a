import { MySQLStorage } from '../storage/mysql.js'
import { UsageError, type CommonFlags } from './common.js'

/** `graph-task db migrate`: applies the schema migrations to the MySQL database. */
export async function dbCommand (args: string[], flags: CommonFlags): Promise<number> {
  if (args[0] !== 'migrate' || args.length > 1) throw new UsageError('usage: graph-task db migrate --mysql <uri>')
  const uri = flags.mysql ?? process.env.GRAPH_TASK_MYSQL_URL
  if (uri === undefined || uri === '') throw new UsageError('db migrate needs --mysql <uri> or GRAPH_TASK_MYSQL_URL')
  const storage = new MySQLStorage({ uri, autoMigrate: false })
  try {
    const { from, to, applied } = await storage.migrate()
    process.stdout.write(applied.length === 0
      ? `schema is up to date (version ${to})\n`
      : `schema version ${from} -> ${to}: applied ${applied.join(', ')}\n`)
  } finally {
    await storage.close()
  }
  return 0
}
