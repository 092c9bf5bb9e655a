/**
 * The plain-data form of whatever a handler throws, built in the worker.
 *
 * A handler may throw anything: an object with no prototype, an Error whose getters throw, a
 * Proxy whose every trap throws, a revoked Proxy, a Symbol. Converting it must never throw in
 * turn: an exception here would escape the task's catch and be taken for a dead worker
 * (WORKER_CRASHED) instead of the task's own failure. So every read of the value is guarded,
 * and what cannot be read falls back to a description that needs no access to it.
 */
import type { ErrorInfo } from '../errors.js'

// V8 starts a stack with "Name: message". For a message of many MB that is a second copy,
// sent between threads and stored beside the first: past this length, the stack's copy is
// replaced by a note and only the frames are kept.
const kLongMessage = 4096
// How far into the stack its "Name: " prefix may end.
const kMaxHeader = 256

const kUnreadable = 'a thrown value that cannot be read (a revoked Proxy, or one whose traps throw)'

/** Converts a thrown or rejected value; never throws, whatever the value. */
export function errorInfo (thrown: unknown): ErrorInfo {
  if (!isObject(thrown)) {
    // Primitives (undefined, a string, a Symbol, a BigInt...) have no properties to read,
    // and String() of a primitive cannot throw.
    return { code: 'TASK_FAILED', message: String(thrown) }
  }
  const code = read(thrown, 'code')
  const message = read(thrown, 'message')
  const stack = read(thrown, 'stack')
  const info: ErrorInfo = {
    code: typeof code === 'string' && code.length > 0 ? code : 'TASK_FAILED',
    message: typeof message === 'string' ? message : describe(thrown)
  }
  // The class name does not survive postMessage; retry.nonRetryable matches on it.
  const name = read(thrown, 'name')
  if (typeof name === 'string' && name !== 'Error' && name.length > 0 && name.length <= 256) info.name = name
  if (read(thrown, 'retryable') === false || info.code === 'NON_RETRYABLE') info.retryable = false
  if (typeof stack === 'string') info.stack = info.message.length > kLongMessage ? withoutMessage(stack, info.message) : stack
  return info
}

/** `error.message` when it is a string, else a description; never throws. */
export function messageOf (thrown: unknown): string {
  if (!isObject(thrown)) return String(thrown)
  const message = read(thrown, 'message')
  return typeof message === 'string' ? message : describe(thrown)
}

// Functions too: a function (or a Proxy of one) can carry a throwing toString or traps.
function isObject (value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function'
}

/** A property read that a throwing getter or Proxy trap cannot escape. */
function read (value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key]
  } catch {
    return undefined
  }
}

/** What an object with no string message reads as: its string form, else its tag. */
function describe (value: object): string {
  try {
    return String(value)
  } catch {}
  try {
    // For a revoked Proxy, or one whose traps throw, this throws too.
    return Object.prototype.toString.call(value)
  } catch {
    return kUnreadable
  }
}

/** The stack with the copy of a long message in its first line replaced by a note. */
function withoutMessage (stack: string, message: string): string {
  const colon = stack.indexOf(': ')
  if (colon === -1 || colon > kMaxHeader || !stack.startsWith(message, colon + 2)) return stack
  return stack.slice(0, colon + 2) + `<the message, ${message.length} characters>` + stack.slice(colon + 2 + message.length)
}
