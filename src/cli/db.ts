import { MySQLStorage } from '../storage/mysql.js'
import { usage, type Command } from './command.js'
import type { CommonFlags } from './common.js'
import { CommandError, storageFailure } from './storage.js'

/** `graph-task db migrate`: applies the schema migrations to the MySQL database. */
export const dbMigrateCommand: Command = {
  name: 'db migrate',
  args: '',
  summary: 'Applies the schema migrations that the MySQL database lacks.',
  flags: {
    mysql: { type: 'string', value: 'uri', help: 'the database: mysql://user:password@host:port/database (or set GRAPH_TASK_MYSQL_URL)' }
  },
  run: (args, flags) => migrate(args, flags as CommonFlags)
}

async function migrate (args: string[], flags: CommonFlags): Promise<number> {
  if (args.length > 0) throw usage('db migrate', `unexpected arguments: ${args.join(' ')}`)
  const uri = flags.mysql ?? process.env.GRAPH_TASK_MYSQL_URL
  if (uri === undefined || uri === '') throw usage('db migrate', 'db migrate needs --mysql <uri> or GRAPH_TASK_MYSQL_URL')
  const storage = new MySQLStorage({ uri, autoMigrate: false })
  try {
    const { from, to, applied } = await storage.migrate().catch((err: unknown) => {
      throw new CommandError(storageFailure(storage.target, err))
    })
    process.stdout.write(applied.length === 0
      ? `schema is up to date (version ${to})\n`
      : `schema version ${from} -> ${to}: applied ${applied.join(', ')}\n`)
  } finally {
    await storage.close()
  }
  return 0
}
