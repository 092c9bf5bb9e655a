#!/usr/bin/env bash
# Makes sure the MySQL server the tests use answers, and says what it did:
#   1. a server answers at the target: nothing to do;
#   2. MariaDB is installed here but not running: start it and wait up to 30 s;
#   3. MariaDB is not installed: install it from Debian's packages, start it, and let
#      root connect over TCP without a password (only on the server it just installed).
# A server that already runs is never stopped nor reconfigured.
#
# Target: GRAPH_TASK_MYSQL_URL (mysql://user:password@host:port/db), else MYSQL_HOST,
# MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD, else root@127.0.0.1:3306.
set -euo pipefail

say () { echo "ensure-mysql: $*"; }
source "$(dirname "$0")/ensure-lib.sh"

if [[ -n "${GRAPH_TASK_MYSQL_URL:-}" ]]; then
  # host, port, user, password of the URL, one a line (node is there: the project needs it)
  mapfile -t parts < <(node -e '
    const u = new URL(process.argv[1])
    console.log(u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1")
    console.log(u.port || "3306")
    console.log(decodeURIComponent(u.username) || "root")
    console.log(decodeURIComponent(u.password))' "$GRAPH_TASK_MYSQL_URL")
  HOST=${parts[0]} PORT=${parts[1]} USER_NAME=${parts[2]} PASSWORD=${parts[3]:-}
else
  HOST=${MYSQL_HOST:-127.0.0.1} PORT=${MYSQL_PORT:-3306} USER_NAME=${MYSQL_USER:-root} PASSWORD=${MYSQL_PASSWORD:-}
fi
TARGET="$HOST:$PORT"

# Answers when the server is up, even if it refuses these credentials (mysqladmin ping's rule).
answers () {
  if command -v mysqladmin >/dev/null 2>&1; then
    MYSQL_PWD="$PASSWORD" mysqladmin ping --connect-timeout=2 -h"$HOST" -P"$PORT" -u"$USER_NAME" >/dev/null 2>&1
  else
    node -e '
      const net = require("node:net")
      const s = net.connect(Number(process.argv[2]), process.argv[1])
      s.setTimeout(2000, () => process.exit(1))
      s.once("data", () => process.exit(0))
      s.once("error", () => process.exit(1))' "$HOST" "$PORT"
  fi
}

start_mariadb () {
  if [[ $(id -u) -ne 0 ]]; then
    say "MariaDB is installed but not running, and starting it needs root: run this script with sudo"
    exit 1
  fi
  install -d -o mysql -g mysql /run/mysqld
  if [[ ! -d /var/lib/mysql/mysql ]]; then
    say "initialising the data directory /var/lib/mysql"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  say "starting /usr/sbin/mariadbd"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  if ! wait_for_server 60; then
    say "MariaDB did not answer at $TARGET within 30 s; the end of its log:"
    tail -n 30 /var/log/mysql/error.log 2>/dev/null || true
    exit 1
  fi
}

if answers; then
  say "a MySQL server answers at $TARGET; nothing to do"
  exit 0
fi

case "$HOST" in
  127.0.0.1|localhost|::1) ;;
  *) say "no MySQL server answers at $TARGET, and it is not on this machine: start it there"; exit 1 ;;
esac
if [[ "$PORT" != 3306 ]]; then
  say "no MySQL server answers at $TARGET; the local MariaDB listens on 3306: start a server on $PORT yourself, or unset GRAPH_TASK_MYSQL_URL / MYSQL_PORT"
  exit 1
fi

if [[ -x /usr/sbin/mariadbd ]]; then
  say "no server answers at $TARGET; MariaDB is installed"
  start_mariadb
  say "MariaDB answers at $TARGET"
  exit 0
fi

say "no server answers at $TARGET and MariaDB is not installed: installing mariadb-server from Debian's packages"
apt_install --no-install-recommends mariadb-server mariadb-client
start_mariadb
# A fresh Debian MariaDB lets root in through the Unix socket only; the tests connect
# over TCP as root without a password. This is the server installed just now.
say "letting root connect over TCP without a password and creating database test (fresh install only)"
mariadb -uroot <<'SQL'
ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS test CHARACTER SET utf8mb4;
FLUSH PRIVILEGES;
SQL
say "MariaDB installed and answering at $TARGET"
