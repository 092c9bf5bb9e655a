/**
 * Which of the console's actions can work on an execution, and why not where one
 * cannot: the page enables a button only where the action can succeed and shows the
 * reason beside one that is disabled, rather than answering a click with an error.
 */
import type { ExecutionStatus, RetryRecord } from '../types.js'
import type { HistoryReader } from './history-reader.js'
import type { ResolvedConsoleOptions } from './options.js'

/** Whether an action can work; `reason` says why not. */
export interface ActionState {
  enabled: boolean
  reason?: string
}

/** The state of each action on one execution. */
export interface ExecutionActions {
  retry: ActionState
  abandon: ActionState
  cancel: ActionState
}

/** What the states are decided from: the execution's record, as lists and pages have it. */
export interface ActionSubject {
  executionId: string
  workflowId: string
  status: ExecutionStatus
  instanceId: string
  retryOf?: string
}

const kOk: ActionState = Object.freeze({ enabled: true })

function no (reason: string): ActionState {
  return { enabled: false, reason }
}

/** Why this console takes no action at all, or undefined when it takes them. */
function consoleReason (options: ResolvedConsoleOptions): string | undefined {
  if (options.readOnly) return 'this console is read-only'
  if (options.token === undefined) return 'actions are disabled: start the console with a token (--token or GRAPH_TASK_CONSOLE_TOKEN)'
  return undefined
}

/** The reason retry cannot work on this console, whatever the execution; undefined when it can. */
export function retryUnavailable (reader: HistoryReader, workflowId: string): string | undefined {
  if (reader.engine === undefined) return "retry needs the workflow's code: start the console with --workflows <module>"
  if (reader.engine.getWorkflow(workflowId) === undefined) {
    return `retry needs the code of workflow "${workflowId}": start the console with --workflows <the module that exports it>`
  }
  return undefined
}

/**
 * The actions' states for an execution whose failure case is `failure` (undefined
 * for none; null when the storage keeps no cases).
 */
export function actionStates (reader: HistoryReader, options: ResolvedConsoleOptions, subject: ActionSubject,
  failure: RetryRecord | undefined | null): ExecutionActions {
  const blocked = consoleReason(options)
  const gate = (state: ActionState): ActionState => state.enabled && blocked !== undefined ? no(blocked) : state
  let retry: ActionState
  let abandon: ActionState
  if (subject.status === 'running') retry = abandon = no('the execution is still running')
  else if (subject.status === 'success') retry = abandon = no('the execution succeeded')
  else if (failure === null) retry = abandon = no(`storage "${reader.storage.kind}" keeps no failure cases`)
  else if (failure === undefined) retry = abandon = no('no failure case is open for this execution')
  else if (failure.status === 'retrying') retry = abandon = no('a retry of this failure is running')
  else if (failure.status !== 'pending') retry = abandon = no(`its failure case is ${failure.status}`)
  else {
    const why = retryUnavailable(reader, subject.workflowId)
    retry = why === undefined ? kOk : no(why)
    abandon = kOk
  }
  let cancel: ActionState
  if (subject.status !== 'running') cancel = no(`the execution is ${subject.status}`)
  else if (reader.engine === undefined) cancel = no('cancel needs the engine that runs the execution: this console reads the history only')
  else if (subject.instanceId !== reader.engine.instanceId) cancel = no(`the execution runs on instance ${subject.instanceId}: cancel it there`)
  else cancel = kOk
  return { retry: gate(retry), abandon: gate(abandon), cancel: gate(cancel) }
}

/** The actions' states for an execution, its failure case read from storage. */
export async function actionsOf (reader: HistoryReader, options: ResolvedConsoleOptions, subject: ActionSubject): Promise<ExecutionActions> {
  const retries = reader.retryStorage()
  if (retries === undefined || subject.status === 'running' || subject.status === 'success') {
    return actionStates(reader, options, subject, retries === undefined ? null : undefined)
  }
  const id = subject.retryOf ?? subject.executionId
  let failure = await retries.getRetryRecord(id)
  // With batched durability a case reaches storage a moment after its execution ends: an
  // execution of this console's engine that just failed has its case still in the
  // engine's buffer. Written first, so that the page does not say there is none.
  if (failure === undefined && reader.engine !== undefined) {
    await reader.engine.flush()
    failure = await retries.getRetryRecord(id)
  }
  return actionStates(reader, options, subject, failure)
}
