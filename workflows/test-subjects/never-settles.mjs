/** Returns a promise that never settles and ignores ctx.signal: only terminating its worker ends it. */
export default function neverSettles () {
  return new Promise(() => {})
}
