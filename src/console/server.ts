/**
 * The web console: a Node `http` request handler serving the page, its scripts, the
 * JSON API and the live event stream over an engine or a storage.
 *
 *   browser ──GET /, /app.js ...──▶ static files (web/)
 *           ──GET /api/... ───────▶ api.ts ──▶ HistoryReader ──▶ engine | storage
 *           ──POST /api/.../retry ▶ token check ──▶ actions.ts ──▶ engine
 *           ◀── /api/events (SSE) ── LiveEvents ◀── engine events, storage polling
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Engine } from '../engine.js'
import { kOnClose } from '../engine-symbols.js'
import { EngineError, ErrorCodes, InvalidOptionsError } from '../errors.js'
import { ConsoleRequestError, statusOfCode } from './console-error.js'
import type { ExecutionStorage } from '../storage/storage.js'
import { api } from './api.js'
import { HistoryReader } from './history-reader.js'
import { LiveEvents } from './live-events.js'
import { listenAddress, resolveConsoleOptions, type ConsoleOptions, type ServeConsoleOptions } from './options.js'
import { staticFiles } from './static-files.js'

// Inline script and style are refused: every script is a file of web/, and every value from
// history goes into the page as text (textContent), so an injected tag has nothing to run.
const kSecurityHeaders = Object.freeze({
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY'
})

/** A console request handler; `close()` ends its live streams. */
export interface ConsoleHandler {
  (req: IncomingMessage, res: ServerResponse): void
  close (): void
}

/** A console listening on a port. */
export interface ConsoleServer {
  /** e.g. `http://127.0.0.1:4600/` */
  readonly url: string
  readonly port: number
  close (): Promise<void>
}

/**
 * A request handler serving the console over an engine (live executions, actions) or a
 * storage (the shared history; abandon only). Mount it in any Node HTTP server.
 * @throws {InvalidOptionsError} for an unknown option or a bad value
 */
export function createConsole (source: Engine | ExecutionStorage, options: ConsoleOptions = {}): ConsoleHandler {
  const resolved = resolveConsoleOptions(options)
  const reader = source instanceof Engine ? new HistoryReader(source.storage, source) : storageReader(source)
  const events = new LiveEvents(reader, resolved.pollInterval)
  const files = staticFiles()
  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(kSecurityHeaders)) res.setHeader(name, value)
    serve(req, res).catch(err => answerError(res, err))
  }) as ConsoleHandler
  handler.close = () => events.close()
  return handler

  async function serve (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console.invalid')
    if (url.pathname.startsWith('/api/')) {
      const body = await api(req, res, url, { reader, events, options: resolved })
      if (body !== undefined) answer(res, 200, body)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new ConsoleRequestError(ErrorCodes.METHOD_NOT_ALLOWED, `${req.method ?? ''} is not allowed on ${url.pathname}`)
    const file = files.get(url.pathname === '/' ? 'console.html' : url.pathname.slice(1))
    if (file === undefined || url.pathname === '/report.js') throw new ConsoleRequestError(ErrorCodes.ROUTE_NOT_FOUND, `no file ${url.pathname}`)
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache' })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  }
}

function storageReader (storage: ExecutionStorage): HistoryReader {
  if (storage === null || typeof storage !== 'object' || typeof storage.listExecutions !== 'function') {
    throw new InvalidOptionsError('createConsole() takes an Engine or an ExecutionStorage')
  }
  return new HistoryReader(storage)
}

function answer (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(text)
}

function answerError (res: ServerResponse, err: unknown): void {
  const code = err instanceof EngineError ? err.code : ErrorCodes.INTERNAL
  const status = statusOfCode(code)
  if (res.headersSent) { res.end(); return }
  answer(res, status, { error: { code, message: err instanceof Error ? err.message : String(err) } })
}

/**
 * Serves a console on `host:port` (127.0.0.1:4600 unless told otherwise).
 * @throws {InvalidOptionsError} for a bad option; rejects when the port is taken
 */
export async function serveConsole (source: Engine | ExecutionStorage, options: ServeConsoleOptions = {}): Promise<ConsoleServer> {
  const { port, host, ...rest } = options
  resolveConsoleOptions(options, 'serveConsole()')
  const address = listenAddress({ port, host })
  const handler = createConsole(source, rest)
  const server = createServer(handler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(address.port, address.host, () => { server.off('error', reject); resolve() })
  })
  const bound = (server.address() as AddressInfo).port
  const shownHost = address.host.includes(':') ? `[${address.host}]` : address.host
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => (closing ??= new Promise<void>(resolve => {
    unregister()
    handler.close()
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  // Over an engine, the console closes with it.
  const unregister = source instanceof Engine ? source[kOnClose](close) : () => {}
  return { url: `http://${shownHost}:${bound}/`, port: bound, close }
}
