/**
 * InnoDB may pick a statement or transaction as the victim of a deadlock (or let a lock
 * wait time out) though nothing is wrong: two updates of one row through its primary key
 * and a secondary index take their locks in different orders. The victim is rolled back
 * whole, so running it again is safe, and is what MySQL's manual asks of the client.
 */

// ER_LOCK_DEADLOCK and ER_LOCK_WAIT_TIMEOUT.
const kDeadlock = 1213
const kLockWait = 1205

/** Runs `work`, again when it was a deadlock's victim, at most `attempts` times in all. */
export async function againOnDeadlock<T> (work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (err) {
      const errno = (err as { errno?: number }).errno
      if ((errno !== kDeadlock && errno !== kLockWait) || attempt >= attempts) throw err
    }
  }
}
