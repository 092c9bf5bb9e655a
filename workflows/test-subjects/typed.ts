/** A TypeScript handler: runs only with the engine's `typescript: true` loader. */
import { threadId } from 'node:worker_threads'

interface Params {
  words: string[]
}

interface Context {
  params: Params
}

export default function typed (input: { prefix: string }, ctx: Context): string {
  const words: string[] = ctx.params.words.map((w: string) => w.toUpperCase())
  return `${input.prefix}${words.join(' ')}`
}

export function shout (input: { text: string }): string {
  const marks = 3 satisfies number
  return input.text + '!'.repeat(marks)
}

/** The thread it ran on: lets a test see that a thread other than the first loaded the module. */
export function where (): { threadId: number } {
  return { threadId }
}
