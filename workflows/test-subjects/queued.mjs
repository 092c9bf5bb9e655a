import { createWorkflow } from 'graph-task'

const task = new URL('./side-effect.mjs', import.meta.url)

/** One task: many executions of it spread over instances. */
export const single = createWorkflow('q-single').addTask('only', { handler: task }).build()

/** first -> second -> gate -> last, where `gate` waits for a release file (see side-effect.mjs). */
export const gated = createWorkflow('q-gated')
  .addTask('first', { handler: task })
  .addTask('second', { handler: task, dependsOn: ['first'] })
  .addTask('gate', { handler: task, dependsOn: ['second'], input: { gate: 'wait' } })
  .addTask('last', { handler: task, dependsOn: ['gate'] })
  .build()

const map = new URL('./map.mjs', import.meta.url).href

/** list -> parse (one instance per element of list's output) -> gather: a mapped workflow through the queue. */
export const mapped = createWorkflow('q-mapped')
  .addTask('list', { handler: `${map}#list` })
  .addTask('parse', { handler: `${map}#element`, map: 'list' })
  .addTask('gather', { handler: `${map}#gather`, dependsOn: ['parse'], input: { from: 'parse' } })
  .build()
