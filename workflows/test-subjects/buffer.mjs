/**
 * Returns a Uint8Array of `params.bytes` bytes where byte i is `i % 256`, so its sum is
 * known: 32640 per full 256 bytes. At 64 KiB and more it is transferred, not copied.
 */
export default function buffer (input, ctx) {
  const bytes = new Uint8Array(ctx.params.bytes)
  for (let i = 0; i < bytes.length; i++) bytes[i] = i & 0xff
  return bytes
}

/** Sums the bytes of the dependency named by `params.from`. */
export function sum (input, ctx) {
  const bytes = ctx.deps[ctx.params.from]
  let total = 0
  for (let i = 0; i < bytes.length; i++) total += bytes[i]
  return total
}
