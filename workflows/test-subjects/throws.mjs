/**
 * Handlers that throw (or reject with) values that are not ordinary errors, one named
 * export each. Every one of them must fail its task, never its worker.
 */

export function nullPrototype () {
  throw Object.create(null)
}

/** An Error whose message, code and stack getters throw. */
export function throwingGetters () {
  const error = new Error('never read')
  // stack first: replacing it makes V8 format the stack, which reads the message.
  for (const key of ['stack', 'message', 'code']) {
    Object.defineProperty(error, key, { get () { throw new Error(`${key} getter`) } })
  }
  throw error
}

/** A Proxy whose every trap throws: its handler is itself a Proxy that answers any trap name with a thrower. */
export function hostileProxy () {
  const thrower = () => { throw new Error('trap') }
  throw new Proxy({}, new Proxy({}, { get: () => thrower }))
}

export function revokedProxy () {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  throw proxy
}

export function symbol () {
  throw Symbol('thrown symbol')
}

export function bigint () {
  throw 12345678901234567890n
}

export function nothing () {
  throw undefined
}

export function throwingToString () {
  throw { toString () { throw new Error('toString') } }
}

export async function rejectsNullPrototype () {
  throw Object.create(null)
}

export function rejectsRevokedProxy () {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  return Promise.reject(proxy)
}

/** Its message getter throws, but its code and retryable flag can be read. */
export function unreadableMessage () {
  const error = Object.assign(new Error('never read'), { code: 'E_KEPT', retryable: false })
  Object.defineProperty(error, 'message', { get () { throw new Error('message getter') } })
  throw error
}

/** An Error with a message of `ctx.params.size` characters. */
export function hugeMessage (input, ctx) {
  throw new Error('m'.repeat(ctx.params.size))
}

/** A function whose toString throws. */
export function throwingFunction () {
  throw Object.assign(() => {}, { toString () { throw new Error('toString') } })
}
