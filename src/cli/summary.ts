/** How `run` and `retry` print an execution: a line, a table of tasks, the error and the final output. */
import type { ExecutionResult, TaskResult } from '../types.js'
import type { Workflow } from '../workflow/builder.js'
import { formatMs, table, toJson } from './common.js'

// A preview longer than this is cut, and outputs past the count are not shown: --json has them all.
const kPreviewChars = 400
const kPreviewTasks = 5

/** The head line, one row per task, and the error that ended the execution. */
export function summary (result: ExecutionResult, head = `${result.workflowId} ${result.executionId}`): string {
  const rows = [['TASK', 'STATUS', 'ATTEMPTS', 'DURATION', 'NOTE']]
  for (const task of Object.values(result.tasks)) {
    // A mapped task is one row: its instances summed (attempts), counted by status in the note.
    const map = task.map
    const attempts = map === undefined ? task.attempts : map.instances.reduce((sum, i) => sum + i.attempts, 0)
    const counts = map === undefined ? '' : `${map.size} instances: ${Object.entries(map.counts).map(([status, n]) => `${n} ${status}`).join(', ')}`
    const note = task.reusedFrom !== undefined
      ? `reused from ${task.reusedFrom}`
      : task.error === undefined ? cacheNote(task) : `${task.error.code}: ${task.error.message}`
    rows.push([task.taskId, task.status, String(attempts), formatMs(task.duration), [counts, note].filter(n => n !== '').join('; ').slice(0, 120)])
  }
  const line = `${head}: ${result.status} in ${formatMs(result.duration)}`
  const tail = result.error === undefined
    ? ''
    : `\nerror: ${result.error.taskId === undefined ? '' : `task ${result.error.taskId}: `}${result.error.code}: ${result.error.message}`
  return `${line}\n${table(rows)}${tail}`
}

/**
 * The outputs of the workflow's final tasks (those no other task depends on) that
 * succeeded, each as one line of JSON, cut short past kPreviewChars; '' when there is none.
 */
export function finalOutputs (workflow: Workflow, result: ExecutionResult): string {
  const needed = new Set<string>()
  for (const task of workflow.tasks) for (const dep of task.dependsOn) needed.add(dep)
  const lines: string[] = []
  for (const task of workflow.tasks) {
    const outcome = result.tasks[task.id]
    if (needed.has(task.id) || outcome?.status !== 'success' || outcome.output === undefined) continue
    let text = toJson(outcome.output, 0)
    if (text.length > kPreviewChars) text = `${text.slice(0, kPreviewChars)}... (${text.length} characters; --json prints it all)`
    lines.push(`output of ${task.id}: ${text}`)
  }
  if (lines.length > kPreviewTasks) {
    lines.splice(kPreviewTasks, lines.length, `(${lines.length - kPreviewTasks} more final outputs; --json prints them all)`)
  }
  return lines.length === 0 ? '' : `\n\n${lines.join('\n')}`
}

// `cached` for a task that took its output from the cache; for a mapped task, how many instances did.
function cacheNote (task: TaskResult): string {
  if (task.cached === true) return 'cached'
  const instances = task.map?.instances
  if (instances === undefined) return ''
  const cached = instances.filter(i => i.cached === true).length
  return cached === 0 ? '' : `${cached} of ${instances.length} cached`
}
