// graph-task/console: the HTTP API and web console over an engine or a storage.
export { createConsole, serveConsole } from '../console/server.js'
export { ConsoleRequestError } from '../console/console-error.js'
export type { ConsoleErrorCode } from '../console/console-error.js'
export type { ConsoleHandler, ConsoleServer } from '../console/server.js'
export type { ConsoleOptions, ServeConsoleOptions } from '../console/options.js'
