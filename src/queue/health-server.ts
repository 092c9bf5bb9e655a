/**
 * The health endpoints of a serving instance, for a process supervisor or a load balancer:
 * `GET /healthz` answers 200 while the process runs (alive), `GET /readyz` 200 while it can
 * take work and 503 otherwise (storage or Redis not answering, draining, closing), each
 * with the parts as JSON.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Readiness } from './readiness.js'

/** What the endpoints ask: an Engine. */
export interface HealthSource { readiness (): Promise<Readiness> }

/** A listening health server. */
export interface HealthServer {
  /** The port it listens on (the one chosen when 0 was asked). */
  readonly port: number
  close (): Promise<void>
}

/** Options of `serveHealth`. */
export interface HealthOptions {
  /** TCP port; 0 picks a free one. */
  port: number
  /** @default '0.0.0.0' */
  host?: string
}

/** Starts the health endpoints of an engine. */
export async function serveHealth (engine: HealthSource, options: HealthOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const reply = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body))
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'GET only' })
    if (path === '/healthz') return reply(200, { alive: true })
    if (path !== '/readyz') return reply(404, { error: 'not found: /healthz or /readyz' })
    engine.readiness().then(r => reply(r.ready ? 200 : 503, r), err => reply(503, { ready: false, error: String(err) }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) }
  }
}
