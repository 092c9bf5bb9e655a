/** Parses, but imports a module that does not: the error is in load-syntax-error.mjs. */
import broken from './load-syntax-error.mjs'

export default function handler () {
  return broken()
}
