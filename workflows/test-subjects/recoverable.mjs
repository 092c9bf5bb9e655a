import { createWorkflow } from 'graph-task'

const step = new URL('./step.mjs', import.meta.url)

/**
 * first -> second -> third -> fourth, where `third` fails until a marker file exists.
 * The execution input names the directory of the marker and of the run log.
 */
export const recoverable = createWorkflow('recoverable')
  .addTask('first', { handler: step })
  .addTask('second', { handler: step, dependsOn: ['first'] })
  .addTask('third', { handler: step, dependsOn: ['second'], input: { gate: 'fail' }, retry: { maxAutoRetries: 1, retryDelay: 10 } })
  .addTask('fourth', { handler: step, dependsOn: ['third'] })
  .build()

/** The same shape, where `third` waits for the marker: an instance can be killed while it waits. */
export const stalled = createWorkflow('stalled')
  .addTask('first', { handler: step })
  .addTask('second', { handler: step, dependsOn: ['first'] })
  .addTask('third', { handler: step, dependsOn: ['second'], input: { gate: 'wait' } })
  .addTask('fourth', { handler: step, dependsOn: ['third'] })
  .build()

/** Like `recoverable`, but a retry of it holds `third` until a release file exists. */
export const contested = createWorkflow('contested')
  .addTask('first', { handler: step })
  .addTask('second', { handler: step, dependsOn: ['first'] })
  .addTask('third', { handler: step, dependsOn: ['second'], input: { gate: 'fail', hold: true }, retry: { maxAutoRetries: 0 } })
  .build()

export default recoverable
