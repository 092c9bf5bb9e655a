/**
 * The main thread's end of a MySQLStorage's writer thread (writer-thread.ts).
 *
 *   writeRecords / writeSpans / writeLogs ──request(id)──▶ writer thread ──▶ MySQL
 *        ▲ promise per batch                 │ kept here until answered
 *        └──────────── reply(id) ◀───────────┘
 *   thread died ──▶ counted, a new one started, every unanswered request sent again
 *
 * A request is kept (as the objects the engine handed over) until its answer comes,
 * so a thread that dies mid-transaction loses nothing: its transaction was rolled
 * back with its connection, or was committed and is written again as the same rows
 * (every write is idempotent). A thread that keeps dying is started again after a
 * growing delay (up to 5 s), its requests waiting meanwhile; the recorder's backlog
 * bound (`maxBufferedBytes`) is what limits them.
 */
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { ErrorCodes, StorageError } from '../../errors.js'
import { packageFile } from '../../package-root.js'
import type { RefusedRecord } from '../storage.js'
import { fromWireError, type WriterReply, type WriterRequest, type WriterSettings } from './writer-protocol.js'

/**
 * @internal Ends the writer thread of a MySQLStorage as a crash would (tests of the
 * restart): `storage[kTerminateWriter]()`.
 */
export const kTerminateWriter = Symbol.for('graph-task.mysql.terminateWriter')

// The CommonJS build, for the reason worker-pool.ts gives; found from the package
// root, so that MySQLStorage imported from src/ (tests, benchmarks) finds it too.
const kWriterFile = 'dist/mysql-writer.cjs'
// How long close() waits for the thread to close its connections (the pool's own bound is 2.5 s).
const kCloseWait = 3000
const kMaxRestartDelay = 5000

type Request = WriterRequest extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never

interface Pending {
  message: WriterRequest
  resolve: (refused: RefusedRecord[]) => void
  reject: (err: Error) => void
}

/** Starts, feeds, restarts and closes one writer thread. */
export class WriterLink {
  readonly #settings: WriterSettings
  readonly #what: string
  #worker: Worker | null = null
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #restarts = 0
  // Deaths since the last answer: the delay before the next start grows with them.
  #crashes = 0
  #lastError: string | undefined
  #lastExit: string | undefined
  #restartTimer: NodeJS.Timeout | null = null
  #closed = false

  /** @param what names the storage in messages, e.g. `MySQL at 127.0.0.1:3306/db` */
  constructor (settings: WriterSettings, what: string) {
    this.#settings = settings
    this.#what = what
  }

  /** How many times the thread died and was started again. */
  get restarts (): number {
    return this.#restarts
  }

  /** Why the thread last died, for the log line of the restart. */
  get lastExit (): string | undefined {
    return this.#lastExit
  }

  /**
   * Sends one request; resolves with the records storage refused for good, or rejects
   * with the StorageError of the attempt. Sent again to a new thread if this one dies.
   * @throws {StorageError} STORAGE_ERROR once closed, or when the writer's file is missing
   */
  request (request: Request): Promise<RefusedRecord[]> {
    if (this.#closed) return Promise.reject(new StorageError(ErrorCodes.STORAGE_ERROR, `${this.#what}: storage is closed`))
    return new Promise((resolve, reject) => {
      const message = { ...request, id: this.#nextId++ } as WriterRequest
      this.#pending.set(message.id, { message, resolve, reject })
      if (this.#pending.size === 1) this.#worker?.ref()
      if (this.#worker !== null) this.#worker.postMessage(message)
      else if (this.#restartTimer === null) this.#start()
    })
  }

  /** Starts the thread ahead of the first write (it loads the driver while the caller connects). */
  warm (): void {
    if (!this.#closed && this.#worker === null && this.#restartTimer === null) this.#start()
  }

  /** Ends the thread as a crash would; it is restarted and its requests sent again. */
  async terminate (): Promise<void> {
    await this.#worker?.terminate()
  }

  /**
   * Lets the thread close its connections (a statement running gets the pool's
   * grace), then ends it; within about 3 s whatever the server does. Requests not
   * answered by then are rejected. Idempotent.
   */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#restartTimer !== null) clearTimeout(this.#restartTimer)
    const worker = this.#worker
    if (worker !== null) {
      let timer: NodeJS.Timeout | undefined
      const exited = new Promise<boolean>(resolve => {
        worker.once('exit', () => resolve(true))
        timer = setTimeout(resolve, kCloseWait, false)
      })
      worker.postMessage({ op: 'close' })
      if (!await exited) await worker.terminate()
      clearTimeout(timer)
    }
    this.#worker = null
    this.#rejectAll()
  }

  #start (): void {
    this.#restartTimer = null
    const file = packageFile(kWriterFile)
    if (file === null || !existsSync(file)) {
      this.#closed = true
      this.#rejectAll(`the writer thread's file ${kWriterFile} is missing from the package (build it with \`npm run build\`)`)
      return
    }
    const worker = this.#worker = new Worker(file, { workerData: this.#settings })
    if (this.#pending.size === 0) worker.unref()
    worker.on('message', (reply: WriterReply) => this.#answer(reply))
    worker.on('error', err => { this.#lastError = err?.message ?? String(err) })
    worker.on('exit', code => this.#exited(worker, code))
    for (const p of this.#pending.values()) worker.postMessage(p.message)
  }

  #answer (reply: WriterReply): void {
    const p = this.#pending.get(reply.id)
    if (p === undefined) return
    this.#pending.delete(reply.id)
    this.#crashes = 0
    if (this.#pending.size === 0) this.#worker?.unref()
    if (reply.ok) p.resolve(reply.refused)
    else p.reject(fromWireError(reply.error))
  }

  #exited (worker: Worker, code: number): void {
    if (worker !== this.#worker || this.#closed) return
    this.#worker = null
    this.#restarts++
    this.#lastExit = this.#lastError ?? `exit code ${code}`
    this.#lastError = undefined
    if (this.#pending.size === 0) return // started again by the next request
    const delay = this.#crashes++ === 0 ? 0 : Math.min(kMaxRestartDelay, 100 * 2 ** (this.#crashes - 2))
    this.#restartTimer = setTimeout(() => this.#start(), delay)
  }

  #rejectAll (reason = 'storage closed before the write was answered'): void {
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    for (const p of pending) p.reject(new StorageError(ErrorCodes.STORAGE_ERROR, `${this.#what}: ${reason}`))
  }
}
