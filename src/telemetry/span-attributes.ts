/**
 * The attribute names of graph-task's spans, one vocabulary for the spans it stores (the
 * console, `show`, bench reports) and those it exports through OpenTelemetry (listed in
 * the README): the same figure has the same name wherever it is read.
 */
export const Attr = Object.freeze({
  workflowId: 'graph_task.workflow.id',
  workflowVersion: 'graph_task.workflow.version',
  workflowTasks: 'graph_task.workflow.tasks',
  executionId: 'graph_task.execution.id',
  executionStatus: 'graph_task.execution.status',
  retryOf: 'graph_task.execution.retry_of',
  tasksSucceeded: 'graph_task.execution.tasks.succeeded',
  tasksFailed: 'graph_task.execution.tasks.failed',
  tasksSkipped: 'graph_task.execution.tasks.skipped',
  taskId: 'graph_task.task.id',
  /** The index of an instance of a mapped task (its element's), on its attempts' spans. */
  mapIndex: 'graph_task.task.map_index',
  taskStatus: 'graph_task.task.status',
  /** True on the span of a task that took its output from the cache (its handler was not called). */
  cached: 'graph_task.task.cached',
  attempt: 'graph_task.task.attempt',
  handler: 'graph_task.task.handler',
  queueWait: 'graph_task.task.queue_wait_ms',
  runTime: 'graph_task.task.run_ms',
  retryDelay: 'graph_task.task.retry_delay_ms',
  skipReason: 'graph_task.task.skip_reason',
  threadId: 'thread.id',
  errorType: 'error.type'
})
