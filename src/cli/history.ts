import { Engine } from '../engine.js'
import type { ExecutionStatus } from '../types.js'
import { formatMs, loadWorkflows, parsePositiveInt, table, toJson, UsageError, type CommonFlags } from './common.js'
import { openStorage } from './storage.js'
import { writeReport } from './report.js'

export interface HistoryFlags extends CommonFlags {
  status?: string
  workflows?: string[]
  restart?: boolean
  reason?: string
  limit?: string
  html?: string
}

const kStatuses = new Set(['running', 'success', 'failed', 'cancelled', 'interrupted'])

/** An engine on the shared storage, with the workflows of `--workflows` published. */
async function openEngine (flags: HistoryFlags, needWorkflows: boolean): Promise<Engine> {
  const storage = await openStorage(flags.mysql)
  if (storage === undefined) {
    throw new UsageError('this command reads the shared history: pass --mysql <uri> or set GRAPH_TASK_MYSQL_URL')
  }
  if (needWorkflows && (flags.workflows === undefined || flags.workflows.length === 0)) {
    await storage.close()
    throw new UsageError('retry needs the workflow definitions: pass --workflows <module> (repeat for several)')
  }
  const engine = new Engine({ storage, threads: parsePositiveInt('threads', flags.threads) })
  try {
    for (const path of flags.workflows ?? []) {
      for (const workflow of await loadWorkflows(path)) await engine.publishWorkflow(workflow)
    }
  } catch (err) {
    await engine.close()
    throw err
  }
  return engine
}

async function withEngine (flags: HistoryFlags, needWorkflows: boolean, fn: (engine: Engine) => Promise<number>): Promise<number> {
  const engine = await openEngine(flags, needWorkflows)
  try {
    return await fn(engine)
  } finally {
    await engine.close()
  }
}

/** `graph-task executions [--status s]`: the latest executions, newest first. */
export function executionsCommand (args: string[], flags: HistoryFlags): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`)
  if (flags.status !== undefined && !kStatuses.has(flags.status)) {
    throw new UsageError(`--status must be one of ${[...kStatuses].join(', ')}`)
  }
  return withEngine(flags, false, async engine => {
    const records = await engine.listExecutions({
      status: flags.status as ExecutionStatus | undefined,
      limit: parsePositiveInt('limit', flags.limit) ?? 50
    })
    if (flags.json === true) {
      process.stdout.write(toJson(records.map(({ input: _input, ...r }) => r)) + '\n')
      return 0
    }
    const rows = [['EXECUTION', 'WORKFLOW', 'STATUS', 'STARTED', 'DURATION', 'TASKS', 'ERROR']]
    for (const r of records) {
      rows.push([r.id, r.workflowId, r.status, new Date(r.startedAt).toISOString(),
        formatMs(r.endedAt === undefined ? undefined : r.endedAt - r.startedAt),
        `${r.completedTasks}/${r.totalTasks}`, r.error === undefined ? '' : `${r.error.code}: ${r.error.message}`.slice(0, 60)])
    }
    process.stdout.write(table(rows) + '\n')
    return 0
  })
}

/** `graph-task show <id>`: tasks, logs and trace of one execution. */
export function showCommand (args: string[], flags: HistoryFlags): Promise<number> {
  const [id, ...extra] = args
  if (id === undefined || extra.length > 0) throw new UsageError('usage: graph-task show <execution-id> [--html report.html]')
  return withEngine(flags, false, async engine => {
    if (flags.html !== undefined) return writeReport(engine, id, flags.html)
    const result = await engine.getExecutionResult(id)
    const logs = await engine.getExecutionLogs(id, { limit: 200 })
    const trace = await engine.getExecutionTrace(id)
    if (flags.json === true) {
      process.stdout.write(toJson({ result, logs, trace }) + '\n')
      return 0
    }
    const rows = [['TASK', 'STATUS', 'ATTEMPTS', 'DURATION', 'NOTE']]
    for (const t of Object.values(result.tasks)) {
      rows.push([t.taskId, t.status, String(t.attempts), formatMs(t.duration),
        t.reusedFrom !== undefined ? `reused from ${t.reusedFrom}` : t.error === undefined ? '' : `${t.error.code}: ${t.error.message}`.slice(0, 60)])
    }
    const out = [`${result.workflowId} ${result.executionId}: ${result.status} in ${formatMs(result.duration)}` +
      (result.retryOf === undefined ? '' : ` (retry of ${result.retryOf})`), table(rows), '', 'logs:']
    for (const l of logs) out.push(`  ${new Date(l.time).toISOString()} ${l.level.padEnd(5)} ${l.taskId ?? '-'} ${l.message}`)
    out.push('', 'trace:')
    for (const root of trace) {
      out.push(`  ${root.name} ${root.statusCode} ${formatMs(root.endTime - root.startTime)}`)
      for (const span of root.children) {
        out.push(`    ${span.name} #${span.attributes['task.attempt']} ${span.statusCode} run ${formatMs(Number(span.attributes['task.run_ms']))}` +
          ` wait ${formatMs(Number(span.attributes['task.queue_wait_ms']))} thread ${span.attributes['worker.thread_id']}`)
      }
    }
    process.stdout.write(out.join('\n') + '\n')
    return 0
  })
}

/** `graph-task retry <id> [--restart]`: retries a failed execution here. */
export function retryCommand (args: string[], flags: HistoryFlags): Promise<number> {
  const [id, ...extra] = args
  if (id === undefined || extra.length > 0) throw new UsageError('usage: graph-task retry <execution-id> [--restart] --workflows <module>')
  return withEngine(flags, true, async engine => {
    const result = await engine.manualRetry(id, { mode: flags.restart === true ? 'restart' : 'resume' })
    if (flags.json === true) process.stdout.write(toJson(result) + '\n')
    else {
      const reused = Object.values(result.tasks).filter(t => t.reusedFrom !== undefined).length
      process.stdout.write(`retry ${result.executionId} of ${id}: ${result.status} in ${formatMs(result.duration)}` +
        ` (${reused} task output${reused === 1 ? '' : 's'} reused)\n`)
    }
    return result.status === 'success' ? 0 : 1
  })
}

/** `graph-task abandon <id> [--reason text]`. */
export function abandonCommand (args: string[], flags: HistoryFlags): Promise<number> {
  const [id, ...extra] = args
  if (id === undefined || extra.length > 0) throw new UsageError('usage: graph-task abandon <execution-id> [--reason text]')
  return withEngine(flags, false, async engine => {
    const record = await engine.abandonRetry(id, flags.reason ?? 'abandoned from the command line')
    process.stdout.write(`${record.executionId}: abandoned (${record.abandonedReason})\n`)
    return 0
  })
}

/** `graph-task stats`: retry statistics and the failures waiting for a decision. */
export function statsCommand (args: string[], flags: HistoryFlags): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(' ')}`)
  return withEngine(flags, false, async engine => {
    const stats = await engine.getRetryStatistics()
    const failed = await engine.getFailedExecutions({ limit: 20 })
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
