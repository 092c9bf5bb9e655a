import { describe, expect, test } from 'vitest'
import { createWorkflow, EngineError, InvalidOptionsError, WorkflowValidationError, type Workflow } from '../dist/index.js'
import { sharedHandler } from './helpers/engine.js'
import { thrownBy } from './helpers/capture.js'

const noop = sharedHandler('noop')

function buildError (build: () => Workflow): EngineError {
  return thrownBy(build, EngineError)
}

describe('workflow builder', () => {
  test('a duplicate task id is reported at build with its id', () => {
    const err = buildError(() => createWorkflow('dup')
      .addTask('a', { handler: noop })
      .addTask('b', { handler: noop })
      .addTask('a', { handler: noop })
      .build())
    expect(err).toBeInstanceOf(WorkflowValidationError)
    expect(err.code).toBe('DUPLICATE_TASK')
    expect(err.message).toContain('"a"')
  })

  test('a dependency on a task added later is accepted', () => {
    const workflow = createWorkflow('late')
      .addDependency('a', 'b')
      .addTask('b', { handler: noop })
      .addTask('a', { handler: noop })
      .build()
    expect(workflow.tasks.find(t => t.id === 'b')?.dependsOn).toEqual(['a'])
  })

  test('an unknown dependency is reported whatever the order of the calls', () => {
    const viaDependsOn = buildError(() => createWorkflow('u1')
      .addTask('b', { handler: noop, dependsOn: ['ghost'] })
      .build())
    const unknownSource = buildError(() => createWorkflow('u2')
      .addDependency('ghost', 'b')
      .addTask('b', { handler: noop })
      .build())
    const unknownTarget = buildError(() => createWorkflow('u3')
      .addTask('a', { handler: noop })
      .addDependency('a', 'ghost')
      .build())
    for (const err of [viaDependsOn, unknownSource, unknownTarget]) {
      expect(err).toBeInstanceOf(WorkflowValidationError)
      expect(err.code).toBe('UNKNOWN_DEPENDENCY')
      expect(err.message).toContain('ghost')
    }
  })

  test('a cycle is reported with its path', () => {
    const err = buildError(() => createWorkflow('cyclic')
      .addTask('start', { handler: noop })
      .addTask('a', { handler: noop, dependsOn: ['start', 'c'] })
      .addTask('b', { handler: noop, dependsOn: ['a'] })
      .addTask('c', { handler: noop, dependsOn: ['b'] })
      .build()) as WorkflowValidationError
    expect(err.code).toBe('CYCLE')
    // The path may start at any task of the cycle; it follows the edges and comes back.
    const path = [...err.path!]
    expect(path).toHaveLength(4)
    expect(path[0]).toBe(path[3])
    const rotations = ['a -> b -> c -> a', 'b -> c -> a -> b', 'c -> a -> b -> c']
    expect(rotations).toContain(path.join(' -> '))
    expect(err.message).toContain(path.join(' -> '))
  })

  test('a task depending on itself is a cycle', () => {
    const err = buildError(() => createWorkflow('self')
      .addTask('a', { handler: noop })
      .addDependency('a', 'a')
      .build()) as WorkflowValidationError
    expect(err.code).toBe('CYCLE')
    expect(err.path).toEqual(['a', 'a'])
  })

  test('a workflow without tasks is refused', () => {
    const err = buildError(() => createWorkflow('empty').build())
    expect(err.code).toBe('EMPTY_WORKFLOW')
  })

  test('a retry policy or timeout with a typo is refused by addTask itself, where it is written', () => {
    const builder = createWorkflow('typo')
    expect(() => builder.addTask('a', { handler: noop, retry: { maxRetries: 2 } as never })).toThrow("unknown option 'maxRetries' in task \"a\": retry; did you mean 'maxAutoRetries'?")
    expect(() => builder.addTask('b', { handler: noop, timeout: '5s' as never })).toThrow('task "b": timeout must be a positive number of ms; got "5s" (string)')
    // refused tasks are not added: the builder goes on as if they had never been written
    expect(builder.addTask('a', { handler: noop }).build().tasks.map(t => t.id)).toEqual(['a'])
  })

  test('invalid task options are refused with INVALID_OPTIONS naming the option', () => {
    const cases: Array<[() => Workflow, RegExp]> = [
      [() => createWorkflow('t1').addTask('a', { handler: noop, timeout: 0 }).build(), /timeout/],
      [() => createWorkflow('t2').addTask('a', { handler: noop, timeout: Number.NaN }).build(), /timeout/],
      [() => createWorkflow('t3').addTask('a', { handler: noop, retry: { maxAutoRetries: -1 } }).build(), /maxAutoRetries/],
      [() => createWorkflow('t4').addTask('a', { handler: noop, retry: { maxAutoRetries: 1.5 } }).build(), /maxAutoRetries/],
      [() => createWorkflow('t5').addTask('a', { handler: noop, retry: { retryDelay: -5 } }).build(), /retryDelay/],
      [() => createWorkflow('t6').addTask('a', { handler: noop, retry: { backoffMultiplier: 0.5 } }).build(), /backoffMultiplier/],
      [() => createWorkflow('t7').addTask('a', { handler: noop, retry: { jitter: 2 } }).build(), /jitter/],
      [() => createWorkflow('t8').addTask('a', { handler: './handlers/noop.mjs' }).build(), /absolute path/],
      [() => createWorkflow('t9').addTask('a', { handler: new URL('https://example.com/h.mjs') }).build(), /file URL/]
    ]
    for (const [build, rule] of cases) {
      const err = buildError(build)
      expect(err).toBeInstanceOf(InvalidOptionsError)
      expect(err.code).toBe('INVALID_OPTIONS')
      expect(err.message).toMatch(rule)
    }
  })

  test('an invalid id is refused when it is given', () => {
    expect(() => createWorkflow('has space')).toThrow(InvalidOptionsError)
    expect(() => createWorkflow('ok').addTask('', { handler: noop })).toThrow(InvalidOptionsError)
  })
})
