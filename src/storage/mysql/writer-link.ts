/**
 * The main thread's end of a MySQLStorage's writer thread (writer-thread.ts).
 *
 *   writeRecords / writeSpans / writeLogs ──request(id)──▶ writer thread ──▶ MySQL
 *        ▲ promise per batch                 │ kept here until answered
 *        └──────────── reply(id) ◀───────────┘
 *   thread died ──▶ counted, a new one started, every unanswered request sent again,
 *                   one at a time until they are answered (so that a death names its request)
 *   died kMaxDeaths times with the same request alone in flight ──▶ that request refused
 *
 * A request is kept (as the objects the engine handed over) until its answer comes,
 * so a thread that dies mid-transaction loses nothing: its transaction was rolled
 * back with its connection, or was committed and is written again as the same rows
 * (every write is idempotent). A thread that keeps dying is started again after a
 * growing delay (up to 5 s), its requests waiting meanwhile; the recorder's backlog
 * bound (`maxBufferedBytes`) is what limits them. A request that kills the thread
 * each time it is sent alone (a value the encoder cannot survive) would otherwise be
 * sent forever and hold every write behind it: after kMaxDeaths deaths it is
 * refused with WriterCrashError, and the others go on.
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

/**
 * @internal Makes every writer thread of a MySQLStorage, this one and those started
 * after it, die as a crash would whenever it is handed the records of execution `id`
 * (tests of a batch the thread cannot survive): `storage[kWriterFault](id)`.
 */
export const kWriterFault = Symbol.for('graph-task.mysql.writerFault')

// The CommonJS build, for the reason worker-pool.ts gives; found from the package
// root, so that MySQLStorage imported from src/ (tests, benchmarks) finds it too.
const kWriterFile = 'dist/mysql-writer.cjs'
// How long close() waits for the thread to close its connections (the pool's own bound is 2.5 s).
const kCloseWait = 3000
const kMaxRestartDelay = 5000
// Deaths of the thread while a request was in flight (alone, past the first) before it is refused.
const kMaxDeaths = 3

type Request = WriterRequest extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never

interface Pending {
  message: WriterRequest
  resolve: (refused: RefusedRecord[]) => void
  reject: (err: Error) => void
  /** Posted to the thread now alive. */
  sent: boolean
  /** Deaths of the thread while this request was posted to it. */
  deaths: number
}

/**
 * A request refused because the writer thread died `deaths` times while writing it:
 * whatever it holds cannot be written by this process, and sending it again would
 * stop every write behind it.
 */
export class WriterCrashError extends StorageError {
  readonly deaths: number
  constructor (what: string, op: string, deaths: number, reason: string | undefined) {
    super(ErrorCodes.STORAGE_ERROR, `${what}: the writer thread died ${deaths} times while writing this batch of ${op} (last: ${reason ?? 'unknown'}); it is refused so that the writes behind it go on`)
    this.name = 'WriterCrashError'
    this.deaths = deaths
  }
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
  // After a death: requests posted one at a time until none of those that were pending is left.
  #serialUntil = 0

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
      this.#pending.set(message.id, { message, resolve, reject, sent: false, deaths: 0 })
      if (this.#pending.size === 1) this.#worker?.ref()
      if (this.#worker !== null) this.#post()
      else if (this.#restartTimer === null) this.#start()
    })
  }

  /** Starts the thread ahead of the first write (it loads the driver while the caller connects). */
  warm (): void {
    if (!this.#closed && this.#worker === null && this.#restartTimer === null) this.#start()
  }

  /** Threads from now on die when handed the records of execution `executionId` (see kWriterFault). */
  faultOn (executionId: string): void {
    this.#settings.crashOn = executionId
    this.#worker?.postMessage({ op: 'fault', executionId })
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
    this.#post()
  }

  // Posts what waits: all of it, or, while a request pending at the last death is, the oldest alone.
  #post (): void {
    const worker = this.#worker
    if (worker === null) return
    let serial = false
    for (const id of this.#pending.keys()) if (id <= this.#serialUntil) { serial = true; break }
    for (const p of this.#pending.values()) {
      if (p.sent) { if (serial) return; continue }
      p.sent = true
      worker.postMessage(p.message)
      if (serial) return
    }
  }

  #answer (reply: WriterReply): void {
    const p = this.#pending.get(reply.id)
    if (p === undefined) return
    this.#pending.delete(reply.id)
    this.#crashes = 0
    if (this.#pending.size === 0) this.#worker?.unref()
    if (reply.ok) p.resolve(reply.refused)
    else p.reject(fromWireError(reply.error))
    this.#post()
  }

  #exited (worker: Worker, code: number): void {
    if (worker !== this.#worker || this.#closed) return
    this.#worker = null
    this.#restarts++
    this.#lastExit = this.#lastError ?? `exit code ${code}`
    this.#lastError = undefined
    let alone = 0
    for (const p of this.#pending.values()) if (p.sent) alone++
    for (const [id, p] of this.#pending) {
      if (!p.sent) continue
      p.sent = false
      p.deaths++
      // The first death may have come from a request beside it; later ones come with it alone.
      if (p.deaths < kMaxDeaths || alone > 1) continue
      this.#pending.delete(id)
      p.reject(new WriterCrashError(this.#what, p.message.op, p.deaths, this.#lastExit))
    }
    // Requests pending now are posted one at a time from the next thread on.
    for (const id of this.#pending.keys()) this.#serialUntil = Math.max(this.#serialUntil, id)
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
