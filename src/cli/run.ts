import { Engine } from '../engine.js'
import type { ExecutionStorage } from '../storage/storage.js'
import type { ExecutionResult } from '../types.js'
import type { Command, FlagValues } from './command.js'
import { kJsonFlags, kStorageFlags, kWorkflowFlags, parseInput, parsePositiveInt, toJson, workflowArgument, type CommonFlags } from './common.js'
import { kInterruptedExitCode, onInterrupt } from './interrupt.js'
import { ProgressBar } from './progress.js'
import { openStorage } from './storage.js'
import { finalOutputs, summary } from './summary.js'

/** `graph-task run <module>`: runs the module's workflow once and prints a summary. */
export const runCommand: Command = {
  name: 'run',
  args: '<workflow-module>[#name]',
  summary: 'Runs a workflow once, with a progress bar on a terminal, then prints each task and the final output.',
  flags: {
    ...kWorkflowFlags,
    timeout: { type: 'string', value: 'ms', help: 'execution time limit in ms' },
    ...kJsonFlags,
    ...kStorageFlags
  },
  run: (args, flags) => run(args, flags as CommonFlags)
}

async function run (args: string[], flags: CommonFlags): Promise<number> {
  const { workflow, typescript } = await workflowArgument('run', args, flags)
  const input = await parseInput(flags.input)
  const threads = parsePositiveInt('threads', flags.threads)
  const timeout = parsePositiveInt('timeout', flags.timeout)
  const storage: ExecutionStorage | undefined = await openStorage(flags.mysql)
  const engine = new Engine({ threads, storage, typescript })
  const interrupt = onInterrupt()
  let result: ExecutionResult
  try {
    await engine.publishWorkflow(workflow)
    const bar = flags.json === true ? null : new ProgressBar(engine, workflow.tasks.length)
    try {
      result = await engine.execute(workflow.id, input, { signal: interrupt.signal, timeout })
      bar?.stop(result)
    } finally {
      bar?.stop()
    }
  } finally {
    interrupt.dispose()
    await engine.close()
  }
  if (flags.json === true) {
    process.stdout.write(toJson(result) + '\n')
  } else {
    process.stdout.write(summary(result) + finalOutputs(workflow, result) + '\n')
  }
  if (interrupt.signal.aborted) return kInterruptedExitCode
  return result.status === 'success' ? 0 : 1
}
