import { describe, expect, test } from 'vitest'
import { InvalidOptionsError } from '../dist/index.js'
import { MySQLStorage } from '../dist/mysql.js'

const uri = 'mysql://root@127.0.0.1:3306/graph_task'
const make = (retention: unknown): MySQLStorage => new MySQLStorage({ uri, retention: retention as never })

describe('the retention option of MySQLStorage', () => {
  test('durations are accepted as strings with a unit or as ms', () => {
    expect(() => make({ executions: '30d', logs: '12h', spans: 604_800_000, interval: '90s' })).not.toThrow()
    expect(() => make({ spans: '1.5d', interval: '500ms' })).not.toThrow()
    expect(() => make({ logs: '2w' })).not.toThrow()
  })

  test('an unknown key is refused with the key it resembles', () => {
    expect(() => make({ execution: '30d' })).toThrow("unknown option 'execution' in MySQLStorage retention; did you mean 'executions'?")
    expect(() => make({ traces: '7d' })).toThrow(/unknown option 'traces' in MySQLStorage retention; known options: executions, logs, spans, interval/)
  })

  test('a malformed duration is refused with a typed error naming the option and the value', () => {
    for (const [value, shown] of [['7 days', '"7 days"'], ['-1d', '"-1d"'], [0, '0 (number)'], ['0h', '"0h"'], [Number.NaN, 'null (number)'], ['d', '"d"']] as const) {
      const err = (() => { try { make({ logs: value }) } catch (e) { return e } })()
      expect(err).toBeInstanceOf(InvalidOptionsError)
      expect((err as InvalidOptionsError).code).toBe('INVALID_OPTIONS')
      expect((err as Error).message).toContain('MySQLStorage: retention.logs must be a positive duration')
      expect((err as Error).message).toContain(shown)
    }
  })

  test('retention that is not an object is refused', () => {
    expect(() => make('7d')).toThrow(/retention must be an object such as \{ executions: '30d'/)
    expect(() => make(null)).toThrow(InvalidOptionsError)
  })

  test('a misspelt retention option of MySQLStorage itself is refused', () => {
    expect(() => new MySQLStorage({ uri, retension: {} } as never)).toThrow(/unknown option 'retension' in new MySQLStorage\(\); did you mean 'retention'\?/)
  })
})
