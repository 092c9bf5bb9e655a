import { UsageError, type CommonFlags } from './common.js'
import { openStorage } from './storage.js'

/** `graph-task db migrate`: applies the schema migrations to the MySQL database. */
export async function dbCommand (args: string[], flags: CommonFlags): Promise<number> {
  if (args[0] !== 'migrate' || args.length > 1) throw new UsageError('usage: graph-task db migrate --mysql <uri>')
  const storage = await openStorage(flags.mysql)
  if (storage === undefined) throw new UsageError('db migrate needs --mysql <uri> or GRAPH_TASK_MYSQL_URL')
  try {
    const applied = await (storage as unknown as { migrate (): Promise<string[]> }).migrate()
    process.stdout.write(applied.length === 0 ? 'schema is up to date\n' : `applied: ${applied.join(', ')}\n`)
  } finally {
    await storage.close()
  }
  return 0
}
