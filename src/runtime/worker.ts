/**
 * The one entry point the Piscina pool runs. It receives a batch of tasks of
 * one execution, loads each handler module by URL (once per worker), runs the
 * tasks in order and answers with one outcome per task.
 *
 *   main ──{ slot, input, tasks[] }──▶ worker: for each task
 *                                         cur[slot] = i; started[slot] = now   (shared memory)
 *                                         output = await handler(input, ctx)
 *                                         outcome = encode(output) | error
 *   main ◀──{ outcomes[] } (+ transferred buffers)
 *
 * `cur` and `started` live in a SharedArrayBuffer so that the main thread knows
 * which task of a batch is running and since when without a message per task:
 * that is what per-attempt timeouts count from, and what a crash is blamed on.
 * `cancel[slot]` is set by the main thread to abort `ctx.signal` before it
 * terminates the worker.
 */
import { threadId, workerData } from 'node:worker_threads'
import { performance } from 'node:perf_hooks'
import { move, transferableSymbol, valueSymbol } from 'piscina'
import { decode, encode, UNDEFINED_PACKET, type Packet } from './wire.js'
import type { ErrorInfo } from '../errors.js'
import { errorInfo, messageOf } from './error-info.js'
import { loadFailure } from './load-failure.js'
import type { TaskLogger } from '../handler.js'
import type { LogLevel } from '../types.js'
import { journalWrite, sharedViews, type SharedViews } from './shared-state.js'

export interface BatchTask {
  /** Index of the task in the workflow plan. */
  index: number
  taskId: string
  handler: string
  attempt: number
  params: Packet | null
  /** Dependency outputs: a packet from the main thread, or the index of an earlier task of this batch. */
  deps: Array<[taskId: string, value: Packet | number]>
}

export interface BatchMessage {
  slot: number
  executionId: string
  workflowId: string
  input: Packet
  tasks: BatchTask[]
}

export const enum Outcome { Success = 0, Failed = 1, NotRun = 2 }

export interface TaskOutcome {
  status: Outcome
  output: Packet | null
  error: ErrorInfo | null
  /** Epoch ms when the handler was called and when it settled. */
  start: number
  end: number
  /** Flat list of log entries: time, level, message, data, time, level, ... */
  logs: unknown[] | null
}

export interface BatchResponse {
  threadId: number
  outcomes: TaskOutcome[]
}

/** What `validate` is sent: handler specs, and where it says which one it is loading. */
export interface ValidateMessage {
  specs: string[]
  /** [0]: 0 until the worker starts, then the index + 1 of the spec it is loading. Shared with the main thread. */
  progress: Int32Array
}

/** A handler that cannot be used, as `validate` answers. */
export interface HandlerProblem {
  handler: string
  code: string
  message: string
}

interface WorkerOptions { shared: SharedArrayBuffer, typescript: boolean }

const options = workerData as WorkerOptions
const views: SharedViews = sharedViews(options.shared)
const origin = performance.timeOrigin
const handlers = new Map<string, Function>()
let typescriptReady: Promise<void> | null = null

function now (): number {
  return Math.round((origin + performance.now()) * 1000) / 1000
}

async function enableTypeScript (): Promise<void> {
  // tsx registers module hooks for this worker: TypeScript handlers load with no build step.
  const api = await import('tsx/esm/api')
  api.register()
}

/** @param failing called when the import has failed, before the (sometimes slow) description of why */
async function loadHandler (spec: string, failing?: () => void): Promise<Function> {
  const hash = spec.indexOf('#')
  const url = hash === -1 ? spec : spec.slice(0, hash)
  const name = hash === -1 ? 'default' : decodeURIComponent(spec.slice(hash + 1))
  if (options.typescript && /\.[cm]?tsx?$/.test(url)) await (typescriptReady ??= enableTypeScript())
  let mod: Record<string, unknown>
  try {
    mod = await import(url)
  } catch (err) {
    failing?.()
    throw await loadFailure(url, err, options.typescript)
  }
  let fn = mod[name]
  // A CommonJS module compiled from ESM puts its default export at exports.default.
  if (name === 'default' && typeof fn !== 'function' && typeof (fn as { default?: unknown })?.default === 'function') {
    fn = (fn as { default: unknown }).default
  }
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`handler module ${url} has no function export "${name}" (found ${typeof fn})`),
      { code: 'HANDLER_NOT_FUNCTION', retryable: false })
  }
  handlers.set(spec, fn as Function)
  return fn as Function
}

/** `ctx` of one task. The signal is created only when a handler asks for it. */
class TaskContextImpl {
  readonly executionId: string
  readonly workflowId: string
  readonly taskId: string
  readonly attempt: number
  readonly params: unknown
  readonly deps: Record<string, unknown>
  #logger: TaskLogger | null = null
  logs: unknown[] | null = null
  #slot: number
  #controller: AbortController | null = null
  #poll: NodeJS.Timeout | null = null

  constructor (message: BatchMessage, task: BatchTask, deps: Record<string, unknown>) {
    this.executionId = message.executionId
    this.workflowId = message.workflowId
    this.taskId = task.taskId
    this.attempt = task.attempt
    this.params = task.params === null ? undefined : decode(task.params)
    this.deps = deps
    this.#slot = message.slot
  }

  /** Created on first use: most handlers never log. */
  get logger (): TaskLogger {
    return this.#logger ??= new TaskLoggerImpl(this)
  }

  get signal (): AbortSignal {
    if (this.#controller === null) {
      const controller = this.#controller = new AbortController()
      const slot = this.#slot
      // The main thread cannot post to a busy worker, so watch the shared flag.
      this.#poll = setInterval(() => {
        if (Atomics.load(views.cancel, slot) !== 0) {
          controller.abort(new Error('task cancelled'))
          this.release()
        }
      }, 10)
    }
    return this.#controller.signal
  }

  release (): void {
    if (this.#poll !== null) {
      clearInterval(this.#poll)
      this.#poll = null
    }
  }

  /**
   * The log entries to send with the outcome. Data logged with them crosses to the main
   * thread in the same message: one that cannot be cloned (a function, a Proxy) would make
   * the whole answer fail to post, which ends the worker, so it is replaced by a note. Only
   * tasks that logged data pay for the check, once, off `logger.info`'s path.
   */
  postableLogs (): unknown[] | null {
    const logs = this.logs
    if (logs === null) return null
    for (let d = 3; d < logs.length; d += 4) {
      if (logs[d] === null) continue
      try {
        structuredClone(logs[d])
      } catch (err) {
        logs[d] = { unsendable: `the data of this line cannot be sent between threads: ${messageOf(err)}` }
      }
    }
    return logs
  }
}

// Methods on a prototype, not closures per task: `ctx.logger.info` costs one object.
class TaskLoggerImpl implements TaskLogger {
  readonly #ctx: TaskContextImpl

  constructor (ctx: TaskContextImpl) {
    this.#ctx = ctx
  }

  #push (level: LogLevel, message: string, data: Record<string, unknown> | undefined): void {
    (this.#ctx.logs ??= []).push(now(), level, String(message), data ?? null)
  }

  trace (message: string, data?: Record<string, unknown>): void { this.#push('trace', message, data) }
  debug (message: string, data?: Record<string, unknown>): void { this.#push('debug', message, data) }
  info (message: string, data?: Record<string, unknown>): void { this.#push('info', message, data) }
  warn (message: string, data?: Record<string, unknown>): void { this.#push('warn', message, data) }
  error (message: string, data?: Record<string, unknown>): void { this.#push('error', message, data) }
}

const kNotRun: TaskOutcome = Object.freeze({ status: Outcome.NotRun, output: null, error: null, start: 0, end: 0, logs: null }) as TaskOutcome

async function runTask (message: BatchMessage, task: BatchTask, outcomes: TaskOutcome[], i: number): Promise<TaskOutcome> {
  const slot = message.slot
  // Blame a crash from here on (decoding, loading, running) on this task.
  Atomics.store(views.current, slot, i)
  let ctx: TaskContextImpl | null = null
  let start = now()
  try {
    const deps: Record<string, unknown> = {}
    for (let d = 0; d < task.deps.length; d++) {
      const [id, value] = task.deps[d]
      if (typeof value === 'number') {
        // Produced earlier in this batch. Decoded from its packet like any input, so that
        // a consumer changing it in place cannot change what the producer reported.
        const produced = outcomes[value]
        if (produced.status !== Outcome.Success) return kNotRun
        deps[id] = produced.output === UNDEFINED_PACKET ? undefined : decode(produced.output!)
      } else {
        deps[id] = decode(value)
      }
    }
    const fn = handlers.get(task.handler) ?? await loadHandler(task.handler)
    ctx = new TaskContextImpl(message, task, deps)
    const input = decode(message.input)
    // The attempt's clock starts here: loading a module does not count against its timeout.
    start = now()
    views.started[slot] = start
    let output = fn(input, ctx)
    if (output !== null && typeof output === 'object' && typeof output.then === 'function') output = await output
    const end = now()
    ctx.release()
    let packet: Packet
    try {
      packet = output === undefined ? UNDEFINED_PACKET : encode(output)
    } catch (err) {
      return {
        status: Outcome.Failed,
        output: null,
        error: { code: 'OUTPUT_NOT_CLONEABLE', message: `output of task "${task.taskId}" cannot be sent between threads: ${messageOf(err)}`, retryable: false },
        start,
        end,
        logs: ctx.postableLogs()
      }
    }
    return { status: Outcome.Success, output: packet, error: null, start, end, logs: ctx.postableLogs() }
  } catch (err) {
    ctx?.release()
    return { status: Outcome.Failed, output: null, error: errorInfo(err), start, end: now(), logs: ctx?.postableLogs() ?? null }
  }
}

// True when a later task of the batch takes task `b`'s output inside this worker.
function consumedLocally (tasks: BatchTask[], b: number): boolean {
  for (let t = b + 1; t < tasks.length; t++) {
    const deps = tasks[t].deps
    for (let d = 0; d < deps.length; d++) if (deps[d][1] === b) return true
  }
  return false
}

/** Runs a batch; the default export Piscina calls. */
export default async function runBatch (message: BatchMessage): Promise<unknown> {
  const { tasks } = message
  views.thread[message.slot] = threadId
  const outcomes: TaskOutcome[] = new Array(tasks.length)
  let transfer: ArrayBuffer[] | null = null
  for (let i = 0; i < tasks.length; i++) {
    const outcome = outcomes[i] = await runTask(message, tasks[i], outcomes, i)
    // Journal what a later crash of this worker must not lose (see shared-state.ts).
    if (outcome.status === Outcome.Success && outcome.output!.oob === null && i < tasks.length - 1) {
      journalWrite(views, message.slot, i, outcome.start, outcome.end, outcome.output!.bytes)
    }
    const oob = outcome.output?.oob
    if (oob != null) {
      transfer ??= []
      for (let b = 0; b < oob.length; b++) transfer.push(oob[b])
      // Large buffers go to the main thread and on to their consumer by transfer. Handing
      // them to a consumer here would mean a copy or a shared buffer: stop the batch, and
      // the main thread sends the rest on.
      if (consumedLocally(tasks, i)) {
        for (let rest = i + 1; rest < tasks.length; rest++) outcomes[rest] = kNotRun
        break
      }
    }
  }
  Atomics.store(views.current, message.slot, -1)
  const response: BatchResponse = { threadId, outcomes }
  if (transfer === null) return response
  return move({
    get [transferableSymbol] () { return transfer },
    get [valueSymbol] () { return response }
  } as never)
}

/**
 * Loads each handler; answers with the problems found, for validation at publish time.
 * `progress[0]` says which one is loading (its index + 1): the main thread's time limit
 * counts from there (see handler-validation.ts). It turns negative once that import has
 * failed: finding where a syntax error is may take a child process, which has its own limit.
 */
export async function validate ({ specs, progress }: ValidateMessage): Promise<HandlerProblem[]> {
  const problems: HandlerProblem[] = []
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]
    Atomics.store(progress, 0, i + 1)
    try {
      if (!handlers.has(spec)) await loadHandler(spec, () => Atomics.store(progress, 0, -(i + 1)))
    } catch (err) {
      const info = errorInfo(err)
      problems.push({ handler: spec, code: info.code, message: info.message })
    }
  }
  return problems
}
