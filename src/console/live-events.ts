/**
 * Live updates for the console's clients, as Server-Sent Events on `/api/events`:
 *
 *   engine events (this instance) ──┐
 *                                   ├──▶ LiveEvents ──▶ every open /api/events response
 *   storage poll (other instances) ─┘
 *
 * Nothing is subscribed or polled while no client listens, so a console nobody
 * watches costs the engine nothing.
 */
import type { ServerResponse } from 'node:http'
import type { Engine } from '../engine.js'
import type { EngineEventType } from '../event-bus.js'
import type { HistoryReader } from './history-reader.js'
import { summaryOf } from './history-reader.js'

const kForwarded: readonly EngineEventType[] = [
  'execution.started', 'execution.completed', 'execution.failed', 'execution.cancelled',
  'task.started', 'task.completed', 'task.failed', 'task.retrying', 'task.skipped',
  'retry.started', 'retry.succeeded', 'retry.failed', 'retry.abandoned'
]
// A comment line now and then keeps proxies from closing an idle stream.
const kKeepAlive = 15_000
const kPollLimit = 50

export class LiveEvents {
  readonly #reader: HistoryReader
  readonly #pollInterval: number
  readonly #clients = new Set<ServerResponse>()
  readonly #forward = (event: { type: string }): void => { this.#send(event.type, event) }
  readonly #seen = new Map<string, string>()
  #poller: NodeJS.Timeout | undefined
  #keepAlive: NodeJS.Timeout | undefined
  #polling = false

  constructor (reader: HistoryReader, pollInterval: number) {
    this.#reader = reader
    this.#pollInterval = pollInterval
  }

  /** Turns a response into an event stream until the client goes. */
  attach (res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' })
    res.write('retry: 2000\n\n')
    this.#clients.add(res)
    res.on('close', () => this.#detach(res))
    if (this.#clients.size === 1) this.#start()
  }

  /** Ends every stream (the console is closing). */
  close (): void {
    for (const res of this.#clients) res.end()
    this.#clients.clear()
    this.#stop()
  }

  #detach (res: ServerResponse): void {
    if (this.#clients.delete(res) && this.#clients.size === 0) this.#stop()
  }

  #start (): void {
    const engine: Engine | undefined = this.#reader.engine
    for (const type of kForwarded) engine?.on(type, this.#forward)
    this.#keepAlive = setInterval(() => { for (const res of this.#clients) res.write(':\n\n') }, kKeepAlive)
    this.#keepAlive.unref()
    if (this.#pollInterval > 0) {
      this.#seen.clear()
      void this.#poll(true)
      this.#poller = setInterval(() => { void this.#poll(false) }, this.#pollInterval)
      this.#poller.unref()
    }
  }

  #stop (): void {
    for (const type of kForwarded) this.#reader.engine?.off(type, this.#forward)
    clearInterval(this.#keepAlive)
    clearInterval(this.#poller)
    this.#poller = undefined
  }

  // Sends `execution.changed` for each of the newest executions whose status or counts moved.
  async #poll (seed: boolean): Promise<void> {
    if (this.#polling) return
    this.#polling = true
    try {
      const records = await this.#reader.storage.listExecutions({ limit: kPollLimit })
      for (const record of records) {
        const mark = `${record.status}:${record.updatedAt}:${record.completedTasks}:${record.failedTasks}`
        if (this.#seen.get(record.executionId) === mark) continue
        const known = this.#seen.has(record.executionId)
        this.#seen.set(record.executionId, mark)
        if (!seed || known) this.#send('execution.changed', summaryOf(record))
      }
      if (this.#seen.size > kPollLimit * 4) {
        for (const id of [...this.#seen.keys()].slice(0, this.#seen.size - kPollLimit * 2)) this.#seen.delete(id)
      }
    } catch {
      // storage unreachable for now: the next poll tries again, and the page keeps what it has
    } finally {
      this.#polling = false
    }
  }

  #send (type: string, data: unknown): void {
    if (this.#clients.size === 0) return
    const frame = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`
    for (const res of this.#clients) res.write(frame)
  }
}
