/** Never yields: only terminating its worker can stop it (timeouts, cancellation). */
export default function spinForever () {
  for (;;) {}
}
