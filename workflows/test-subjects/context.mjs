/** Returns everything a handler is given, so a test can check what reached it. */
export default function context (input, ctx) {
  const { executionId, workflowId, taskId, attempt, params, deps } = ctx
  return { input, executionId, workflowId, taskId, attempt, params, deps }
}
