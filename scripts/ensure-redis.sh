#!/usr/bin/env bash
# Makes sure the Redis server the benchmarks (BullMQ) and tests use answers, and says what it did:
#   1. a server answers at the target: nothing to do;
#   2. redis-server is installed here but not answering: start it, in memory only
#      (no RDB snapshots, no AOF), and wait up to 15 s;
#   3. redis-server is not installed: install it from Debian's packages and start it so.
# A server that already runs is never stopped nor reconfigured.
#
# Target: GRAPH_TASK_REDIS_URL (redis://[user:password@]host:port[/db]), else REDIS_HOST and
# REDIS_PORT (what bench/bullmq.bench.ts reads), else 127.0.0.1:6379.
set -euo pipefail

say () { echo "ensure-redis: $*"; }
source "$(dirname "$0")/ensure-lib.sh"

if [[ -n "${GRAPH_TASK_REDIS_URL:-}" ]]; then
  # host and port of the URL, one a line (node is there: the project needs it)
  mapfile -t parts < <(node -e '
    const u = new URL(process.argv[1])
    console.log(u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1")
    console.log(u.port || "6379")' "$GRAPH_TASK_REDIS_URL")
  HOST=${parts[0]} PORT=${parts[1]}
else
  HOST=${REDIS_HOST:-127.0.0.1} PORT=${REDIS_PORT:-6379}
fi
TARGET="$HOST:$PORT"

# Answers when the server replies to PING at all, even with an error such as NOAUTH
# (a server that wants a password is up; the credentials are its user's business).
answers () {
  node -e '
    const net = require("node:net")
    const s = net.connect(Number(process.argv[2]), process.argv[1])
    s.setTimeout(2000, () => process.exit(1))
    s.once("connect", () => s.write("PING\r\n"))
    s.once("data", d => process.exit(d[0] === 0x2b || d[0] === 0x2d ? 0 : 1))
    s.once("error", () => process.exit(1))' "$HOST" "$PORT"
}

start_redis () {
  say "starting redis-server on $TARGET (in memory: no snapshots, no append-only file)"
  # -::1: bind IPv6 loopback when the machine has it, and go on without it when not.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
  if ! wait_for_server 30; then
    say "redis-server did not answer at $TARGET within 15 s"
    exit 1
  fi
}

if answers; then
  say "a Redis server answers at $TARGET; nothing to do"
  exit 0
fi

case "$HOST" in
  127.0.0.1|localhost|::1) ;;
  *) say "no Redis server answers at $TARGET, and it is not on this machine: start it there"; exit 1 ;;
esac
if [[ "$PORT" != 6379 ]]; then
  say "no Redis server answers at $TARGET; this script starts the local one on 6379 only: start a server on $PORT yourself, or unset GRAPH_TASK_REDIS_URL / REDIS_PORT"
  exit 1
fi

if command -v redis-server >/dev/null 2>&1; then
  say "no server answers at $TARGET; redis-server is installed"
  start_redis
  say "Redis answers at $TARGET"
  exit 0
fi

say "no server answers at $TARGET and redis-server is not installed: installing redis-server from Debian's packages"
apt_install --no-install-recommends redis-server
# The package may have started its own service (where there is an init system): then it answers.
if answers; then
  say "redis-server installed and answering at $TARGET"
  exit 0
fi
start_redis
say "redis-server installed and answering at $TARGET"
