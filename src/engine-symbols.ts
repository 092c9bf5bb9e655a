/**
 * Methods of Engine that other entry points call (the console, the OpenTelemetry helper) and
 * users do not: keyed by symbols defined here, below both, so that the engine needs no
 * import of what calls it, and the methods stay off the public surface.
 */

/** Things served over an engine (a console) close when the engine closes, before its storage. */
export const kOnClose: unique symbol = Symbol('graph-task.onClose')

/** What an engine offers under {@link kOnClose}: registers a closer, and returns its removal. */
export interface ClosesWith {
  [kOnClose]: (close: () => Promise<void>) => () => void
}

/** Starts an execution under a W3C traceparent: the method behind executeUnderTraceparent. */
export const kExecuteUnder: unique symbol = Symbol('graph-task.executeUnder')
