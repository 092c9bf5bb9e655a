import { describe, expect, test } from 'vitest'
import { createWorkflow, Engine, InvalidOptionsError } from '../dist/index.js'
import { sharedHandler } from './helpers/engine.js'
import { thrownBy } from './helpers/capture.js'

// Values that storage keeps in a column of limited size are checked where they are
// set, so that a too-long one fails at once, not as rows lost later.
function thrown (fn: () => unknown): InvalidOptionsError {
  return thrownBy(fn, InvalidOptionsError)
}

describe('values with a column limit are checked when set', () => {
  test('a workflow version over 255 characters throws at once, naming the field and the limit', () => {
    const err = thrown(() => createWorkflow('wf').setVersion('v'.repeat(300)))
    expect(err).toBeInstanceOf(InvalidOptionsError)
    expect(err.message).toMatch(/^version must be at most 255 characters .*got 300$/)
    expect(createWorkflow('wf').setVersion('v'.repeat(255))).toBeDefined()
  })

  test('an instanceId over 255 characters throws from the constructor, naming the option and the limit', () => {
    const err = thrown(() => new Engine({ instanceId: 'x'.repeat(300) }))
    expect(err).toBeInstanceOf(InvalidOptionsError)
    expect(err.message).toMatch(/^instanceId must be at most 255 characters/)
    expect(thrown(() => new Engine({ instanceId: '' })).message).toBe('instanceId must be a non-empty string; got "" (string)')
  })

  test('a task name over 65536 characters throws from addTask, naming the task', () => {
    const err = thrown(() => createWorkflow('wf').addTask('a', { handler: sharedHandler('noop'), name: 'n'.repeat(70_000) }))
    expect(err).toBeInstanceOf(InvalidOptionsError)
    expect(err.message).toMatch(/^task "a": name must be at most 65536 characters/)
  })

  test('a version or an instanceId with a lone surrogate throws: a VARCHAR column could not hold it', () => {
    expect(thrown(() => createWorkflow('wf').setVersion('1.0-\uD800')).message).toMatch(/^version must be well-formed text/)
    expect(thrown(() => new Engine({ instanceId: 'host\uDC00' })).message).toMatch(/^instanceId must be well-formed text/)
    // a whole pair is fine
    expect(createWorkflow('wf').setVersion('1.0-😀')).toBeDefined()
  })
})
