import { ExecutionQueue } from '../queue/execution-queue.js'
import { usage, type Command } from './command.js'
import { kJsonFlags, kWorkflowFlags, parseInput, parsePositiveInt, toJson, type CommonFlags } from './common.js'
import { kRedisFlag, queueOptionsOf } from './queue-flags.js'
import { summary } from './summary.js'

interface SubmitFlags extends CommonFlags {
  redis?: string
  wait?: boolean
  'wait-for-server'?: boolean
}

/**
 * `graph-task submit <workflow-id> [--input ...] [--timeout ms] [--wait] [--json] --redis <uri>`:
 * queues one execution for the serving instances and prints its id; with `--wait`, waits
 * for its end and prints the result like `run` (exit 1 when it did not succeed).
 */
export const submitCommand: Command = {
  name: 'submit',
  args: '<workflow-id>',
  summary: 'Queues one execution for the serving instances; --wait prints its result like run.',
  flags: {
    input: kWorkflowFlags.input,
    timeout: { type: 'string', value: 'ms', help: 'execution time limit' },
    wait: { type: 'boolean', help: 'wait for the end and print the result like run (exit 1 unless it succeeded)' },
    'wait-for-server': { type: 'boolean', help: 'queue it even when no live instance serves the workflow (else WORKFLOW_NOT_SERVED)' },
    ...kRedisFlag,
    ...kJsonFlags
  },
  run: (args, flags) => submit(args, flags as SubmitFlags)
}

async function submit (args: string[], flags: SubmitFlags): Promise<number> {
  const [workflowId, ...extra] = args
  if (workflowId === undefined) throw usage('submit', 'submit needs a workflow id')
  if (extra.length > 0) throw usage('submit', `unexpected arguments: ${extra.join(' ')}`)
  const input = await parseInput(flags.input)
  const timeout = parsePositiveInt('timeout', flags.timeout)
  const queue = new ExecutionQueue(queueOptionsOf(flags.redis))
  try {
    const id = await queue.submit(workflowId, input, {
      ...(timeout === undefined ? {} : { timeout }), ...(flags['wait-for-server'] === true ? { waitForServer: true } : {})
    })
    if (flags.wait !== true) {
      process.stdout.write(flags.json === true ? toJson({ executionId: id }) + '\n' : `${id}\n`)
      return 0
    }
    const result = await queue.getExecutionResult(id)
    process.stdout.write((flags.json === true ? toJson(result) : summary(result)) + '\n')
    return result.status === 'success' ? 0 : 1
  } finally {
    await queue.close()
  }
}
