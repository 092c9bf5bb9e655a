/** Readiness of a serving instance: whether the parts it needs answer in time. */

/** Whether an instance can take work, as its readiness endpoint reports it. */
export interface Readiness {
  /** True when storage and Redis answer and the instance is neither draining nor closing. */
  ready: boolean
  storage: boolean
  redis: boolean
  draining: boolean
}

// A readiness probe that waits longer than this counts the part as not answering.
const kProbeTimeout = 2000

/** Resolves whether `probe` settles well within kProbeTimeout. */
export async function answers (probe: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>(resolve => { timer = setTimeout(() => resolve(false), kProbeTimeout) })
  try {
    return await Promise.race([probe().then(() => true, () => false), late])
  } finally {
    clearTimeout(timer)
  }
}
