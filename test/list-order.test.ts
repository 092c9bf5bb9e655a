import { describe, expect, onTestFinished, test } from 'vitest'
import { MemoryStorage } from '../dist/index.js'
import { MySQLStorage } from '../dist/mysql.js'
import { useTestDatabase } from './helpers/mysql.js'

const db = useTestDatabase()

// Ids chosen by a caller, in an order unrelated to when the executions started.
const t0 = Date.now() - 60_000
const kStarts: Array<[string, number]> = [['zz-first', t0 + 1000], ['aa-second', t0 + 2000], ['mm-third', t0 + 3000], ['bb-fourth', t0 + 3000], ['00-fifth', t0 + 5000]]

function record (id: string, startedAt: number): any {
  return {
    executionId: id, workflowId: 'wf', workflowVersion: '1', definitionHash: 'h'.repeat(64), status: 'success', instanceId: 'i',
    input: new Uint8Array([1]), startedAt, updatedAt: startedAt, endedAt: startedAt, totalTasks: 0, completedTasks: 0, failedTasks: 0
  }
}

describe.each([
  ['memory', () => new MemoryStorage()],
  ['mysql', () => new MySQLStorage(db.options())]
])('executions listed by %s storage', (_name, make) => {
  test('come newest first by start time (then id), and pages of two follow the cursor', async () => {
    const storage = make()
    onTestFinished(() => storage.close())
    await storage.writeExecutions(kStarts.map(([id, at]) => record(id, at)))
    const order = ['00-fifth', 'mm-third', 'bb-fourth', 'aa-second', 'zz-first']
    expect((await storage.listExecutions()).map(r => r.executionId)).toEqual(order)
    const pages: string[] = []
    let after: string | undefined
    for (;;) {
      const page = await storage.listExecutions({ limit: 2, ...(after === undefined ? {} : { after }) })
      if (page.length === 0) break
      pages.push(...page.map(r => r.executionId))
      after = page[page.length - 1].executionId
    }
    expect(pages).toEqual(order)
    expect((await storage.listExecutions({ workflowId: 'wf', status: 'success', limit: 3 })).map(r => r.executionId)).toEqual(order.slice(0, 3))
  })
})
