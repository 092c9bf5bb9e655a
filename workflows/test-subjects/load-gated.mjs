/** Loads only while the file named by `?open=` exists: a load that fails at run time, not at publish. */
import { existsSync } from 'node:fs'

const gate = new URL(import.meta.url).searchParams.get('open')
if (!existsSync(gate)) throw new Error(`the gate file ${gate} is gone`)

export default function handler () {
  return 'loaded'
}
