import { Engine } from '../engine.js'
import type { ExecutionStorage } from '../storage/storage.js'
import type { ExecutionResult } from '../types.js'
import { formatMs, parseInput, parsePositiveInt, table, toJson, workflowArgument, type CommonFlags } from './common.js'
import { ProgressBar } from './progress.js'
import { openStorage } from './storage.js'

/** `graph-task run <module>`: runs the module's workflow once and prints a summary. */
export async function runCommand (args: string[], flags: CommonFlags): Promise<number> {
  const workflow = await workflowArgument('run', args)
  const input = await parseInput(flags.input)
  const threads = parsePositiveInt('threads', flags.threads)
  const timeout = parsePositiveInt('timeout', flags.timeout)
  const storage: ExecutionStorage | undefined = await openStorage(flags.mysql)
  const engine = new Engine({ threads, storage })
  // Ctrl-C cancels the execution cleanly: the summary still prints.
  const abort = new AbortController()
  const onSigint = (): void => abort.abort(new Error('interrupted (SIGINT)'))
  process.once('SIGINT', onSigint)
  let result: ExecutionResult
  try {
    await engine.publishWorkflow(workflow)
    const bar = flags.json === true ? null : new ProgressBar(engine, workflow.tasks.length)
    try {
      result = await engine.execute(workflow.id, input, { signal: abort.signal, timeout })
      bar?.stop(result)
    } finally {
      bar?.stop()
    }
  } finally {
    process.off('SIGINT', onSigint)
    await engine.close()
  }
  if (flags.json === true) {
    process.stdout.write(toJson(result) + '\n')
  } else {
    process.stdout.write(summary(result) + '\n')
  }
  return result.status === 'success' ? 0 : 1
}

/** The result table of `run` (also printed by `submit --wait`). */
export function summary (result: ExecutionResult): string {
  const rows = [['TASK', 'STATUS', 'ATTEMPTS', 'DURATION', 'ERROR']]
  for (const task of Object.values(result.tasks)) {
    rows.push([task.taskId, task.status, String(task.attempts), formatMs(task.duration),
      task.error === undefined ? '' : `${task.error.code}: ${task.error.message}`.slice(0, 80)])
  }
  const head = `${result.workflowId} ${result.executionId}: ${result.status} in ${formatMs(result.duration)}`
  const tail = result.error === undefined ? '' : `\nerror: ${result.error.code}: ${result.error.message}`
  return `${head}\n${table(rows)}${tail}`
}
