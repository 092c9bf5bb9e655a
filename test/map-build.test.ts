import { describe, expect, test } from 'vitest'
import { createWorkflow, ErrorCodes, WorkflowValidationError } from '../dist/index.js'

const handler = new URL('../workflows/test-subjects/map.mjs#element', import.meta.url)

function buildError (make: () => unknown): WorkflowValidationError {
  try {
    make()
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowValidationError)
    return err as WorkflowValidationError
  }
  throw new Error('build() did not throw')
}

describe('map at build()', () => {
  // Removing #checkMaps from build() (builder.ts) leaves only the planner's message, without the map's name: fails (checked).
  test('a map over a task that does not exist names the nearest task', () => {
    const err = buildError(() => createWorkflow('w')
      .addTask('files', { handler })
      .addTask('parse', { handler, map: 'file' })
      .build())
    expect(err.code).toBe(ErrorCodes.UNKNOWN_DEPENDENCY)
    expect(err.message).toBe('workflow "w": task "parse" is mapped over unknown task "file"; did you mean "files"?')
  })

  test('a map over itself is a cycle', () => {
    const err = buildError(() => createWorkflow('w').addTask('parse', { handler, map: 'parse' }).build())
    expect(err.code).toBe(ErrorCodes.CYCLE)
    expect(err.message).toBe('workflow "w": task "parse" is mapped over itself')
  })

  test('a map that closes a cycle is reported with its path', () => {
    const err = buildError(() => createWorkflow('w')
      .addTask('list', { handler, dependsOn: ['merge'] })
      .addTask('parse', { handler, map: 'list' })
      .addTask('merge', { handler, dependsOn: ['parse'] })
      .build())
    expect(err.code).toBe(ErrorCodes.CYCLE)
    expect(err.message).toBe('workflow "w" has a cycle: parse -> merge -> list -> parse')
  })

  test('map implies the dependency and is kept in the definition', () => {
    const workflow = createWorkflow('w')
      .addTask('list', { handler })
      .addTask('parse', { handler, map: 'list' })
      .addTask('encode', { handler, map: 'parse', dependsOn: ['parse', 'list'] })
      .build()
    expect(workflow.tasks.map(t => [t.id, t.map, t.dependsOn])).toEqual([
      ['list', undefined, []], ['parse', 'list', ['list']], ['encode', 'parse', ['parse', 'list']]
    ])
  })

  test('map must be a task id', () => {
    expect(() => createWorkflow('w').addTask('parse', { handler, map: 3 as unknown as string })).toThrow('task "parse": map must be a task id; got 3 (number)')
  })
})
