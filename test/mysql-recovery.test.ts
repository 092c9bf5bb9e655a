import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { databaseOfThisTest, useTestDatabase, type TestDatabase } from './helpers/mysql.js'
import { tempDir } from './helpers/engine.js'
import { answer as answerOn, instance as instanceOn, runs } from './helpers/instances.js'

const slow = { timeout: 60_000 }

const db = useTestDatabase()

const instance = (args: string[], env?: Record<string, string>) => instanceOn(db, args, env)
const answer = (args: string[], env?: Record<string, string>, on: TestDatabase = db) => answerOn(on, args, env)

describe('manual retry across instances', () => {
  test('statistics are zeros on an empty database', slow, async () => {
    expect(await answer(['stats'], {}, await databaseOfThisTest())).toEqual({
      ok: true,
      value: { totalFailed: 0, pending: 0, retrying: 0, recovered: 0, abandoned: 0, interrupted: 0, manualAttempts: 0, retried: 0, successRate: 0 }
    })
  })

  test('instance B resumes what instance A failed, without running its successful tasks again', slow, async () => {
    const dir = await tempDir()
    const failed = await answer(['run', 'recoverable', dir])
    expect(failed.value.status).toBe('failed')
    const id = failed.value.executionId
    const listed = await answer(['failed'])
    expect(listed.value.find((f: any) => f.executionId === id)).toMatchObject({ status: 'pending', reason: 'failed', failedTaskId: 'third', errorCode: 'NO_MARKER' })
    await writeFile(join(dir, 'marker'), '')
    const resumed = await answer(['retry', id])
    expect(resumed.value).toMatchObject({ status: 'success', retryOf: id })
    expect(resumed.value.tasks.first.reusedFrom).toBe(id)
    expect(await runs(dir)).toEqual(['first', 'second', 'third', 'third', 'third', 'fourth'])
  })

  test('an execution of a killed instance is marked interrupted by a live one and resumed', slow, async () => {
    const dir = await tempDir()
    const heartbeat = { GT_HEARTBEAT: '100,1000' }
    const a = instance(['run', 'stalled', dir], heartbeat)
    const id = await a.started
    // Kill A once `third` runs (it waits for the marker) and its predecessors are stored.
    await expect.poll(async () => {
      const rows = await db.query<any[]>('SELECT COUNT(*) AS n FROM gt_task_results WHERE execution_id = ? AND status = \'success\'', [id])
      return rows[0].n === 2 && (await runs(dir).catch((): string[] => [])).includes('third')
    }, { timeout: 30_000, interval: 50 }).toBe(true)
    a.child.kill('SIGKILL')
    await a.lines
    const found = await answer(['wait-interrupted', id], heartbeat)
    expect(found.value).toMatchObject({ executionId: id, status: 'pending', reason: 'interrupted' })
    await writeFile(join(dir, 'marker'), '')
    const resumed = await answer(['retry', id], heartbeat)
    expect(resumed.value).toMatchObject({ status: 'success', retryOf: id })
    expect((await runs(dir)).filter(t => t === 'first' || t === 'second')).toEqual(['first', 'second'])
  })

  test('of two instances retrying the same execution at once, exactly one starts it', slow, async () => {
    const dir = await tempDir()
    const failed = await answer(['run', 'contested', dir])
    const id = failed.value.executionId
    await writeFile(join(dir, 'marker'), '')
    const b = instance(['retry', id])
    const c = instance(['retry', id])
    // The winner holds its retry until the loser has answered.
    await Promise.race([b.lines, c.lines])
    await writeFile(join(dir, 'release'), '')
    const answers = (await Promise.all([b.lines, c.lines])).map(l => l[l.length - 1])
    const outcomes = answers.map(a => a.ok === true ? a.value.status : a.code).sort()
    expect(outcomes).toEqual(['RETRY_CONFLICT', 'success'])
  })

  test('retries that cannot be made are refused with typed errors and change nothing', slow, async () => {
    const dir = await tempDir()
    const failed = await answer(['run', 'recoverable', dir])
    const id = failed.value.executionId
    expect(await answer(['retry', '01ZZZZZZZZZZZZZZZZZZZZZZZZ'])).toMatchObject({ ok: false, code: 'EXECUTION_NOT_FOUND' })
    expect(await answer(['retry', id], { GT_PUBLISH: '0' })).toMatchObject({ ok: false, code: 'WORKFLOW_NOT_FOUND', message: expect.stringContaining('"recoverable"') })
    expect(await answer(['abandon', id])).toMatchObject({ ok: true, value: { status: 'abandoned' } })
    expect(await answer(['retry', id])).toMatchObject({ ok: false, code: 'RETRY_NOT_ALLOWED' })
    const record = (await answer(['failed'])).value.find((f: any) => f.executionId === id)
    expect(record).toMatchObject({ status: 'abandoned', manualAttempts: 0, retries: [] })
  })

  test('statistics count every case exactly: one recovered, one abandoned, one still pending', slow, async () => {
    const own = await databaseOfThisTest()
    const dir = await tempDir()
    const ask = (args: string[]) => answer(args, {}, own)
    const recovered = (await ask(['run', 'recoverable', dir])).value.executionId
    const abandoned = (await ask(['run', 'recoverable', dir])).value.executionId
    await ask(['run', 'recoverable', dir])
    await writeFile(join(dir, 'marker'), '')
    expect((await ask(['retry', recovered])).value).toMatchObject({ status: 'success' })
    expect((await ask(['abandon', abandoned])).value).toMatchObject({ status: 'abandoned' })
    expect((await ask(['stats'])).value).toEqual({
      totalFailed: 3, pending: 1, retrying: 0, recovered: 1, abandoned: 1, interrupted: 0, manualAttempts: 1, retried: 1, successRate: 1
    })
  })
})
