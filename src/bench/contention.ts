/**
 * How much this process had to wait for a CPU: the sum, over all its threads (the main
 * thread and the pool's workers), of the time spent runnable but not running, from
 * Linux's /proc/self/task/<tid>/schedstat (second field, ns). Over a measurement window,
 * that wait divided by the window's wall time is its contention: 0 on an idle machine,
 * around 1 when another busy process takes half the CPUs our threads want.
 *
 * Elsewhere (no /proc), it reads 0 and every window looks quiet.
 */
import { readdirSync, readFileSync } from 'node:fs'

const kTasks = '/proc/self/task'

/** Total run-queue wait of this process's threads so far, ms; 0 where the OS does not say. */
export function runQueueWaitMs (): number {
  let tids: string[]
  try {
    tids = readdirSync(kTasks)
  } catch {
    return 0
  }
  let ns = 0
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`${kTasks}/${tid}/schedstat`, 'utf8').split(' ')[1])
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e6
}
