/** Imports a module that does not exist: this file loads, its import does not. */
import helper from './no-such-helper.mjs'

export default function handler () {
  return helper()
}
