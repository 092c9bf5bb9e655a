import { createWorkflow } from 'graph-task'

/** A workflow whose second task always fails: for the command line's exit code. */
export default createWorkflow('always-fails')
  .addTask('ok', { handler: new URL('../shared/handlers.mjs#noop', import.meta.url) })
  .addTask('boom', { handler: new URL('./fail.mjs', import.meta.url), dependsOn: ['ok'], retry: { maxAutoRetries: 0 }, input: { code: 'BOOM' } })
  .build()
