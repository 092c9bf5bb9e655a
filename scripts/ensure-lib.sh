# Shared by scripts/ensure-*.sh, which source it after defining say() (their own prefix)
# and, for a server, answers() (0 when the server at the target answers).

# Installs Debian packages (apt-get install arguments); only root can: says so and exits otherwise.
apt_install () {
  if [[ $(id -u) -ne 0 ]]; then
    say "installing needs root: run this script with sudo"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Two test runs that start together on a fresh machine both install: the second waits
  # for the first's dpkg lock instead of failing on it.
  apt-get -o DPkg::Lock::Timeout=300 update
  apt-get -o DPkg::Lock::Timeout=300 install -y "$@"
}

# Waits for answers() to succeed, trying every 0.5 s, at most $1 times.
wait_for_server () {
  for _ in $(seq 1 "$1"); do
    if answers; then return 0; fi
    sleep 0.5
  done
  return 1
}
