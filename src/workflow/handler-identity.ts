/**
 * What a cache key knows of a task before it runs: its handler module's content
 * (hashed once per publish, not its mtime, so a touched file still hits and an
 * edited one misses), its export name, the cache `version`, its static input and
 * the names it sees its dependencies under. The key does not see the modules the
 * handler imports: a change there needs a new `version`.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { ErrorCodes, HandlerError } from '../errors.js'
import { digestOf } from '../wire/digest.js'
import type { Plan } from './planner.js'

/** Per task, the digest of what decides its output besides its inputs; null for a task that is not cached. */
export type TaskIdentities = ReadonlyArray<Buffer | null>

export async function taskIdentities (plan: Plan): Promise<TaskIdentities> {
  const files = new Map<string, Promise<Buffer>>()
  const out: Array<Buffer | null> = new Array(plan.size).fill(null)
  const { cache, handlers, params, ids, mapSource } = plan
  for (let t = 0; t < plan.size; t++) {
    const settings = cache?.[t]
    if (settings == null) continue
    const spec = handlers[t]
    const hash = spec.indexOf('#')
    const url = hash === -1 ? spec : spec.slice(0, hash)
    const name = hash === -1 ? 'default' : decodeURIComponent(spec.slice(hash + 1))
    let file = files.get(url)
    if (file === undefined) files.set(url, file = readFile(fileURLToPath(url)).then(digestOf))
    const content = await file.catch((err: Error) => {
      throw new HandlerError(ErrorCodes.HANDLER_NOT_FOUND, `task "${ids[t]}": cannot read handler module ${url} to key its cache: ${err.message}`)
    })
    const deps: string[] = []
    for (let k = plan.depStart[t]; k < plan.depStart[t + 1]; k++) deps.push(ids[plan.depList[k]])
    const p = params[t]
    const text = JSON.stringify([name, settings.version, deps, mapSource[t] === -1 ? null : ids[mapSource[t]]])
    out[t] = digestOf(Buffer.concat([content, p === null ? Buffer.alloc(32) : digestOf(p.bytes), Buffer.from(text)]))
  }
  return out
}
