/** Throws while it loads, at line 3, column 7. */
const reason = 'top-level code failed'
throw new Error(reason)

export default function handler () {
  return 1
}
