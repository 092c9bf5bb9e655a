/** Exit code of a command stopped by Ctrl-C: 128 + SIGINT, as shells report it. */
export const kInterruptedExitCode = 130

/**
 * Ctrl-C cancels the execution cleanly (running tasks are told through ctx.signal, the
 * summary still prints, exit code 130); a second Ctrl-C ends the process at once.
 */
export function onInterrupt (): { signal: AbortSignal, dispose: () => void } {
  const abort = new AbortController()
  const onSigint = (): void => {
    if (abort.signal.aborted) process.exit(kInterruptedExitCode)
    abort.abort(new Error('interrupted (Ctrl-C)'))
  }
  process.on('SIGINT', onSigint)
  return { signal: abort.signal, dispose: () => { process.off('SIGINT', onSigint) } }
}
