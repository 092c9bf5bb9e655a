/**
 * Values from history as short JSON text for the console: outputs and inputs may be
 * Maps, BigInts or megabytes of typed arrays, and a page needs only a glimpse.
 */
import { valueReplacer } from '../json-values.js'

const kPreviewChars = 4096
// BigInts keep their `n` here: the console shows values, it does not hand them on.
const kReplacer = valueReplacer(32, 'n')

/** JSON text of a value, Maps, Sets, BigInts and typed arrays included, cut at 4 KiB. */
export function preview (value: unknown, max = kPreviewChars): string {
  let text: string
  try {
    text = JSON.stringify(value, kReplacer, 2) ?? String(value)
  } catch (err) {
    text = `<not representable as JSON: ${(err as Error).message}>`
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text
}
