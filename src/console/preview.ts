/**
 * Values from history as short JSON text for the console: outputs and inputs may be
 * Maps, BigInts or megabytes of typed arrays, and a page needs only a glimpse.
 */

const kPreviewChars = 4096

/** JSON text of a value, Maps, Sets, BigInts and typed arrays included, cut at 4 KiB. */
export function preview (value: unknown, max = kPreviewChars): string {
  let text: string
  try {
    text = JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return `${v.toString()}n`
      if (v instanceof Map) return Object.fromEntries(v)
      if (v instanceof Set) return [...v]
      if (ArrayBuffer.isView(v)) {
        const view = v as unknown as ArrayLike<number>
        return view.length <= 32 ? Array.from(view) : `<${v.constructor.name} ${view.length} items>`
      }
      return v
    }, 2) ?? String(value)
  } catch (err) {
    text = `<not representable as JSON: ${(err as Error).message}>`
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text
}
