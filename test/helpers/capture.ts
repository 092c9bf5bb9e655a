/**
 * What a test captures: the error a call throws or a promise rejects with, checked for its
 * class so a call that does not fail fails the test; and the lines a pino logger writes.
 */
import { Writable } from 'node:stream'
import pino, { type Level, type Logger } from 'pino'
import { expect } from 'vitest'

type ErrorClass<E> = abstract new (...args: any[]) => E

/** The error `fn` throws, which must be a `type`; the test fails when `fn` returns. */
export function thrownBy<E> (fn: () => unknown, type: ErrorClass<E>): E {
  let caught: unknown
  let threw = false
  try {
    fn()
  } catch (err) {
    caught = err
    threw = true
  }
  expect(threw, 'expected a throw').toBe(true)
  expect(caught).toBeInstanceOf(type)
  return caught as E
}

/** The error `promise` rejects with, which must be a `type`; the test fails when it resolves. */
export async function rejectionOf<E> (promise: Promise<unknown>, type: ErrorClass<E>): Promise<E> {
  await expect(promise).rejects.toBeInstanceOf(type)
  return await promise.then(() => undefined, (err: unknown) => err) as E
}

/** A pino logger at `level` whose lines land, parsed, in `lines`. */
export function memoryLogger (level: Level = 'warn'): { logger: Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write (chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>)
      done()
    }
  })
  return { logger: pino({ level }, sink), lines }
}
