/**
 * The failure cases of a MemoryStorage: upserts fenced as RetryStorage says, claims
 * that exactly one of many callers wins, and the statistics. Cases are few and are
 * what an operator acts on, so they are kept whatever the execution retention.
 */
import type { RetryQuery, RetryRecord, RetryStatistics } from '../types.js'

export class MemoryRetryCases {
  readonly #retries = new Map<string, RetryRecord>()

  /** Upserts failure cases: a late or repeated write (an older manual attempt, a closed case) changes nothing. */
  put (records: readonly RetryRecord[]): void {
    for (const record of records) {
      const current = this.#retries.get(record.executionId)
      if (current === undefined || ((current.status === 'pending' || current.status === 'retrying') &&
        current.manualAttempts === record.manualAttempts)) this.#retries.set(record.executionId, { ...record })
    }
  }

  get (executionId: string): RetryRecord | undefined {
    const record = this.#retries.get(executionId)
    return record === undefined ? undefined : { ...record }
  }

  list (query: RetryQuery): RetryRecord[] {
    const statuses = new Set(query.status === undefined ? ['pending', 'retrying'] : [query.status].flat())
    const out = [...this.#retries.values()]
      .filter(r => statuses.has(r.status) && (query.workflowId === undefined || r.workflowId === query.workflowId))
      .sort((a, b) => a.failedAt - b.failedAt || (a.executionId < b.executionId ? -1 : 1))
    const offset = query.offset ?? 0
    return out.slice(offset, offset + (query.limit ?? 100)).map(r => ({ ...r }))
  }

  // The check and the change run with no await between them, so of claims in flight
  // together (Promise.all) exactly one sees the case pending: an await between the two
  // would let every one of them through.
  claim (executionId: string, instanceId: string, at: number, takeOver: boolean): boolean {
    const record = this.#retries.get(executionId)
    if (record?.status !== 'pending' && !(takeOver && record?.status === 'retrying')) return false
    record.status = 'retrying'
    record.claimedBy = instanceId
    record.claimedAt = at
    record.updatedAt = at
    record.manualAttempts++
    return true
  }

  abandon (executionId: string, reason: string, at: number): boolean {
    const record = this.#retries.get(executionId)
    if (record?.status !== 'pending') return false
    record.status = 'abandoned'
    record.abandonedReason = reason
    record.updatedAt = at
    return true
  }

  statistics (): RetryStatistics {
    const stats: RetryStatistics = {
      totalFailed: 0, pending: 0, retrying: 0, recovered: 0, abandoned: 0, interrupted: 0, manualAttempts: 0, retried: 0, successRate: 0
    }
    let recoveredByRetry = 0
    for (const r of this.#retries.values()) {
      stats.totalFailed++
      stats[r.status]++
      if (r.reason === 'interrupted') stats.interrupted++
      stats.manualAttempts += r.manualAttempts
      if (r.manualAttempts > 0) stats.retried++
      if (r.manualAttempts > 0 && r.status === 'recovered') recoveredByRetry++
    }
    stats.successRate = stats.retried === 0 ? 0 : recoveredByRetry / stats.retried
    return stats
  }
}
