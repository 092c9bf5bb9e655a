import { Engine } from '../engine.js'
import { StorageError } from '../errors.js'
import { HistoryReader } from '../console/history-reader.js'
import { spanTree } from '../history/stored-reads.js'
import type { MySQLStorage } from '../storage/mysql/mysql-storage.js'
import type { ExecutionResult, ExecutionStatus } from '../types.js'
import { usage, type Command } from './command.js'
import { formatMs, kJsonFlags, kStorageFlags, kWorkflowFlags, parsePositiveInt, table, toJson, UsageError, type CommonFlags } from './common.js'
import { kInterruptedExitCode, onInterrupt } from './interrupt.js'
import { CommandError, openStorage, storageFailure } from './storage.js'
import { summary } from './summary.js'
import { loadWorkflowModules } from './workflow-module.js'
import { writeReport } from './report.js'
import { Attr } from '../telemetry/span-attributes.js'

interface HistoryFlags extends CommonFlags {
  status?: string
  workflows?: string[]
  restart?: boolean
  reason?: string
  limit?: string
  html?: string
}

const kStatuses = new Set(['running', 'success', 'failed', 'cancelled', 'interrupted'])

/**
 * What a history command does with the shared history beyond reading it (reads need no
 * engine, see withHistory): change a `record`, or `retry` an execution (which needs its workflow).
 */
type Access = 'record' | 'retry'

/** An engine on the shared storage, with the workflows of `--workflows` published. */
async function openEngine (command: string, flags: HistoryFlags, access: Access): Promise<Engine> {
  if (access === 'retry' && (flags.workflows === undefined || flags.workflows.length === 0)) {
    throw usage(command, `${command} needs the workflow definitions: pass --workflows <module> (repeat for several)`)
  }
  const { workflows, typescript } = await loadWorkflowModules(command, flags.workflows ?? [], flags.typescript === true)
  const storage = await openStorage(flags.mysql)
  if (storage === undefined) {
    throw usage(command, 'this command reads the shared history: pass --mysql <uri> or set GRAPH_TASK_MYSQL_URL')
  }
  const engine = new Engine({
    storage,
    threads: parsePositiveInt('threads', flags.threads),
    typescript
  })
  try {
    for (const workflow of workflows) await engine.publishWorkflow(workflow)
  } catch (err) {
    await engine.close()
    throw err
  }
  return engine
}

async function withEngine (command: string, flags: HistoryFlags, access: Access, fn: (engine: Engine) => Promise<number>): Promise<number> {
  const engine = await openEngine(command, flags, access)
  try {
    return await fn(engine)
  } finally {
    await engine.close()
  }
}

/**
 * Runs a reading command over the shared history opened for reading only: no engine, no
 * instance row, no migration, no scan for dead instances; nothing in the database changes.
 */
async function withHistory (command: string, flags: HistoryFlags, fn: (reader: HistoryReader) => Promise<number>): Promise<number> {
  const storage = await openStorage(flags.mysql, 'read')
  if (storage === undefined) {
    throw usage(command, 'this command reads the shared history: pass --mysql <uri> or set GRAPH_TASK_MYSQL_URL')
  }
  try {
    return await fn(new HistoryReader(storage))
  } catch (err) {
    if (err instanceof StorageError) throw new CommandError(storageFailure((storage as MySQLStorage).target, err))
    throw err
  } finally {
    await storage.close()
  }
}

/** Only the flags every history command takes. */
const kHistoryFlags = { ...kJsonFlags, ...kStorageFlags }

/** `graph-task executions [--status s]`: the latest executions, newest first. */
export const executionsCommand: Command = {
  name: 'executions',
  args: '',
  summary: 'Lists the latest executions in the shared history, newest first.',
  flags: {
    status: { type: 'string', value: 'status', help: `only executions in this status: ${[...kStatuses].join(', ')}` },
    limit: { type: 'string', value: 'n', help: 'how many to list (default: 50)' },
    ...kHistoryFlags
  },
  run: (args, flags) => executions(args, flags as HistoryFlags)
}

function executions (args: string[], flags: HistoryFlags): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`)
  if (flags.status !== undefined && !kStatuses.has(flags.status)) {
    throw new UsageError(`--status must be one of ${[...kStatuses].join(', ')}`)
  }
  const limit = parsePositiveInt('limit', flags.limit) ?? 50
  return withHistory('executions', flags, async reader => {
    const records = await reader.list({ status: flags.status as ExecutionStatus | undefined, limit })
    if (flags.json === true) {
      process.stdout.write(toJson(records) + '\n')
      return 0
    }
    const rows = [['EXECUTION', 'WORKFLOW', 'STATUS', 'STARTED', 'DURATION', 'TASKS', 'ERROR']]
    for (const r of records) {
      rows.push([r.executionId, r.workflowId, r.status, new Date(r.startedAt).toISOString(),
        formatMs(r.endedAt === undefined ? undefined : r.endedAt - r.startedAt),
        `${r.completedTasks}/${r.totalTasks}`, r.error === undefined ? '' : `${r.error.code}: ${r.error.message}`.slice(0, 60)])
    }
    process.stdout.write(table(rows) + '\n')
    return 0
  })
}

/** `graph-task show <id>`: tasks, logs and trace of one execution. */
export const showCommand: Command = {
  name: 'show',
  args: '<execution-id>',
  summary: 'Prints the tasks, logs and trace of one execution, or writes it as one HTML file (--html).',
  flags: {
    html: { type: 'string', value: 'file', help: 'write a self-contained HTML report (DAG, waterfall, logs) to this file' },
    ...kHistoryFlags
  },
  run: (args, flags) => show(args, flags as HistoryFlags)
}

function show (args: string[], flags: HistoryFlags): Promise<number> {
  const [id, ...extra] = args
  if (id === undefined || extra.length > 0) throw new UsageError('usage: graph-task show <execution-id> [--html report.html]')
  return withHistory('show', flags, async reader => {
    if (flags.html !== undefined) return writeReport(reader, id, flags.html)
    const result = await reader.result(id)
    const logs = await reader.logs(id, { limit: 200 })
    const trace = spanTree(await reader.spans(id))
    if (flags.json === true) {
      process.stdout.write(toJson({ result, logs, trace }) + '\n')
      return 0
    }
    const head = `${result.workflowId} ${result.executionId}${result.retryOf === undefined ? '' : ` (retry of ${result.retryOf})`}`
    const out = [summary(result, head), '', 'logs:']
    for (const l of logs) out.push(`  ${new Date(l.time).toISOString()} ${l.level.padEnd(5)} ${l.taskId ?? '-'} ${l.message}`)
    out.push('', 'trace:')
    for (const root of trace) {
      out.push(`  ${root.name} ${root.statusCode} ${formatMs(root.endTime - root.startTime)}`)
      for (const span of root.children) {
        out.push(`    ${span.name} #${span.attributes[Attr.attempt]} ${span.statusCode} run ${formatMs(Number(span.attributes[Attr.runTime]))}` +
          ` wait ${formatMs(Number(span.attributes[Attr.queueWait]))} thread ${span.attributes[Attr.threadId]}`)
      }
    }
    process.stdout.write(out.join('\n') + '\n')
    return 0
  })
}

/** `graph-task retry <id> [--restart]`: retries a failed execution here. */
export const retryCommand: Command = {
  name: 'retry',
  args: '<execution-id>',
  summary: 'Retries a failed execution on this machine; its workflow comes from --workflows.',
  flags: {
    workflows: { type: 'string', multiple: true, value: 'module', help: 'a module whose workflows this instance publishes' },
    restart: { type: 'boolean', help: 'retry every task, not only those that did not succeed' },
    threads: kWorkflowFlags.threads,
    typescript: kWorkflowFlags.typescript,
    ...kHistoryFlags
  },
  run: (args, flags) => retry(args, flags as HistoryFlags)
}

function retry (args: string[], flags: HistoryFlags): Promise<number> {
  const [id, ...extra] = args
  if (id === undefined || extra.length > 0) throw new UsageError('usage: graph-task retry <execution-id> [--restart] --workflows <module>')
  return withEngine('retry', flags, 'retry', async engine => {
    // Ctrl-C cancels the retry's execution, as it does run's.
    const interrupt = onInterrupt()
    let result: ExecutionResult
    try {
      result = await engine.manualRetry(id, { mode: flags.restart === true ? 'restart' : 'resume', signal: interrupt.signal })
    } finally {
      interrupt.dispose()
    }
    if (flags.json === true) process.stdout.write(toJson(result) + '\n')
    else {
      const reused = Object.values(result.tasks).filter(t => t.reusedFrom !== undefined).length
      process.stdout.write(summary(result, `retry ${result.executionId} of ${id}`) +
        `\n(${reused} task output${reused === 1 ? '' : 's'} reused)\n`)
    }
    if (interrupt.signal.aborted) return kInterruptedExitCode
    return result.status === 'success' ? 0 : 1
  })
}

/** `graph-task abandon <id> [--reason text]`. */
export const abandonCommand: Command = {
  name: 'abandon',
  args: '<execution-id>',
  summary: 'Marks a failed execution as not to be retried.',
  flags: {
    reason: { type: 'string', value: 'text', help: 'why, kept with the record' },
    ...kStorageFlags
  },
  run: (args, flags) => abandon(args, flags as HistoryFlags)
}

function abandon (args: string[], flags: HistoryFlags): Promise<number> {
  const [id, ...extra] = args
  if (id === undefined || extra.length > 0) throw new UsageError('usage: graph-task abandon <execution-id> [--reason text]')
  return withEngine('abandon', flags, 'record', async engine => {
    const record = await engine.abandonRetry(id, flags.reason ?? 'abandoned from the command line')
    process.stdout.write(`${record.executionId}: abandoned (${record.abandonedReason})\n`)
    return 0
  })
}

/** `graph-task stats`: retry statistics and the failures waiting for a decision. */
export const statsCommand: Command = {
  name: 'stats',
  args: '',
  summary: 'Prints retry statistics and the failed executions waiting for a decision.',
  flags: kHistoryFlags,
  run: (args, flags) => stats(args, flags as HistoryFlags)
}

function stats (args: string[], flags: HistoryFlags): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`)
  return withHistory('stats', flags, async reader => {
    const found = await reader.failures({ limit: 20 })
    if (found === undefined) throw new CommandError('this storage keeps no failure cases')
    const { statistics: stats, failures: failed } = found
    if (flags.json === true) {
      process.stdout.write(toJson({ stats, failed }) + '\n')
      return 0
    }
    const rows = [['FAILED', 'PENDING', 'RETRYING', 'RECOVERED', 'ABANDONED', 'INTERRUPTED', 'MANUAL ATTEMPTS', 'SUCCESS RATE'],
      [stats.totalFailed, stats.pending, stats.retrying, stats.recovered, stats.abandoned, stats.interrupted, stats.manualAttempts,
        `${(stats.successRate * 100).toFixed(1)}%`].map(String)]
    const out = [table(rows)]
    if (failed.length > 0) {
      const list = [['EXECUTION', 'WORKFLOW', 'STATUS', 'REASON', 'TASK', 'ERROR', 'RETRIES']]
      for (const f of failed) {
        list.push([f.executionId, f.workflowId, f.status, f.reason, f.failedTaskId ?? '-', `${f.errorCode}: ${f.errorMessage}`.slice(0, 50), String(f.retries.length)])
      }
      out.push('', table(list))
    }
    process.stdout.write(out.join('\n') + '\n')
    return 0
  })
}
