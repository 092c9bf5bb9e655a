import { createWorkflow } from 'graph-task'

const echo = new URL('../shared/handlers.mjs#echo', import.meta.url)

/** Two workflows in one module: for choosing one on the command line. */
export const small = createWorkflow('small-one').addTask('only', { handler: echo, input: 'small' }).build()
export const large = createWorkflow('large-one')
  .addTask('first', { handler: echo, input: 'large' })
  .addTask('second', { handler: echo, dependsOn: ['first'] })
  .build()
