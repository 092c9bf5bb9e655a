/**
 * A TCP proxy for fault injection: the client connects to the proxy, the proxy to
 * the real server. `cut()` drops every connection and refuses new ones until
 * `restore()`, which is what a client sees when the server or the network goes
 * away, without touching the shared server.
 */
import net from 'node:net'

export class TcpProxy {
  readonly #server: net.Server
  readonly #sockets = new Set<net.Socket>()
  readonly #target: { host: string, port: number }
  #cut = false
  #muted = false
  #stalled = false
  #held: net.Socket[] | null = null
  /** Connections accepted so far (refused ones included). */
  accepted = 0

  private constructor (target: { host: string, port: number }) {
    this.#target = target
    this.#server = net.createServer(client => this.#accept(client))
  }

  /** Listens on 127.0.0.1 at a free port and forwards to `host:port`. */
  static async start (host: string, port: number): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host, port })
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject)
      proxy.#server.listen(0, '127.0.0.1', () => resolve())
    })
    return proxy
  }

  get port (): number {
    return (this.#server.address() as net.AddressInfo).port
  }

  /** Destroys every open connection, both sides, and refuses new ones (closed as soon as accepted). */
  cut (): void {
    this.#cut = true
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
  }

  /**
   * Keeps forwarding what the client sends but throws away the server's replies:
   * a statement reaches the server and commits, and its answer is lost on the way,
   * as with a server that hangs or a network that drops one direction.
   */
  mute (): void {
    this.#muted = true
  }

  /**
   * Accepts new connections and holds them open without reaching the server: a client
   * waits for a handshake that never comes (a host that vanished without a reset).
   */
  stall (): void {
    this.#stalled = true
  }

  /**
   * Accepts new connections and holds them until restore(), which forwards them: a
   * server slow to give its first answer.
   */
  hold (): void {
    this.#held ??= []
  }

  /** Accepts and forwards connections again, both ways; held ones go through now. */
  restore (): void {
    this.#cut = false
    this.#muted = false
    this.#stalled = false
    const held = this.#held ?? []
    this.#held = null
    for (const client of held) if (!client.destroyed) this.#forward(client)
  }

  /** Stops listening and drops every connection. */
  async close (): Promise<void> {
    this.cut()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  #accept (client: net.Socket): void {
    this.accepted++
    if (this.#cut) {
      client.destroy()
      return
    }
    if (this.#stalled) {
      this.#sockets.add(client)
      client.on('error', () => {})
      client.on('close', () => this.#sockets.delete(client))
      return
    }
    if (this.#held !== null) {
      this.#held.push(client)
      this.#sockets.add(client)
      client.on('error', () => {})
      return
    }
    this.#forward(client)
  }

  #forward (client: net.Socket): void {
    const upstream = net.connect(this.#target.port, this.#target.host)
    for (const [socket, peer] of [[client, upstream], [upstream, client]] as const) {
      this.#sockets.add(socket)
      socket.on('error', () => peer.destroy())
      socket.on('close', () => {
        this.#sockets.delete(socket)
        peer.destroy()
      })
    }
    client.pipe(upstream)
    upstream.on('data', (chunk: Buffer) => { if (!this.#muted) client.write(chunk) })
  }
}

/** A port on 127.0.0.1 where nothing listens (one that was free a moment ago). */
export async function closedPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}
