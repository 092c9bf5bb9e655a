import { createWorkflow } from 'graph-task'

const wait = new URL('./wait-for-abort.mjs', import.meta.url)

/** Two tasks that wait until they are cancelled, and one that depends on them: for Ctrl-C on the command line. */
export default createWorkflow('interruptible')
  .addTask('left', { handler: wait })
  .addTask('right', { handler: wait })
  .addTask('join', { handler: new URL('../shared/handlers.mjs#noop', import.meta.url), dependsOn: ['left', 'right'] })
  .build()
