/** Ends its worker while it loads. */
process.exit(3)

export default function handler () {
  return 1
}
