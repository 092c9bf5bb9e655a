/**
 * Every console action is guarded on every path: no token, a wrong token, a read-only
 * console and a console started without a token are each refused with their own status and
 * code, and the refused action leaves the execution and its failure case as they were.
 */
import { describe, expect, onTestFinished, test } from 'vitest'
import { MemoryStorage, type Engine } from '../dist/index.js'
import { serveConsole } from '../dist/console.js'
import { startEngine, tempDir } from './helpers/engine.js'
// @ts-expect-error: a plain .mjs workflow module without types
import { recoverable, stalled } from '../workflows/test-subjects/recoverable.mjs'

const slow = { timeout: 60_000 }
const kToken = 'console-auth-token'

type Action = 'retry' | 'abandon' | 'cancel'
interface Refusal { name: string, console: { token?: string, readOnly?: boolean }, sent?: string, status: number, code: string }

const kRefusals: Refusal[] = [
  { name: 'no token', console: { token: kToken }, status: 401, code: 'UNAUTHORIZED' },
  { name: 'a wrong token', console: { token: kToken }, sent: 'not-the-token', status: 401, code: 'UNAUTHORIZED' },
  { name: 'a read-only console', console: { token: kToken, readOnly: true }, sent: kToken, status: 403, code: 'FORBIDDEN' },
  { name: 'a console without a token', console: {}, sent: kToken, status: 403, code: 'FORBIDDEN' }
]

const kCases = (['retry', 'abandon', 'cancel'] as const).flatMap(action => kRefusals.map(refusal => ({ action, ...refusal })))

/** An engine with one failed execution (its case pending) and one running, and a console over it. */
async function scene (consoleOptions: Refusal['console']): Promise<{ engine: Engine, url: string, failedId: string, runningId: string }> {
  const engine = startEngine({ storage: new MemoryStorage() })
  await engine.publishWorkflow(recoverable)
  await engine.publishWorkflow(stalled)
  const failed = await engine.execute('recoverable', { dir: await tempDir() })
  const runningId = await engine.executeAsync('stalled', { dir: await tempDir() })
  const server = await serveConsole(engine, { port: 0, ...consoleOptions })
  onTestFinished(() => server.close())
  return { engine, url: server.url, failedId: failed.executionId, runningId }
}

describe('console actions refused', () => {
  test.each(kCases)('$action with $name: $status $code, and nothing changes', slow, async ({ action, console, sent, status, code }) => {
    const { engine, url, failedId, runningId } = await scene(console)
    const target = action === 'cancel' ? runningId : failedId
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (sent !== undefined) headers.authorization = `Bearer ${sent}`
    const res = await fetch(`${url}api/executions/${target}/${action}`, { method: 'POST', headers, body: '{}' })
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code)
    expect((await engine.getFailedExecutions()).map(f => [f.executionId, f.status, f.manualAttempts])).toEqual([[failedId, 'pending', 0]])
    expect((await engine.getExecutionStatus(runningId)).status).toBe('running')
  })
})
