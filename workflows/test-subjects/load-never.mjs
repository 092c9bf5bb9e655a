/** Never finishes loading: its top-level await never settles. */
await new Promise(() => {})

export default function handler () {
  return 1
}
