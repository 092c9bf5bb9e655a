#!/usr/bin/env bash
# Makes sure Chromium is installed for browser tests, and says what it did:
#   1. /usr/bin/chromium is there: nothing to do;
#   2. it is not: install Debian's chromium package.
# `npm test` runs it in its global set-up (test/global-setup.ts), and browser tests check
# again through ensureChromium() (test/helpers/chromium.ts).
set -euo pipefail

say () { echo "ensure-chromium: $*"; }
source "$(dirname "$0")/ensure-lib.sh"

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
  say "$CHROMIUM is installed; nothing to do"
  exit 0
fi

say "$CHROMIUM is missing: installing chromium from Debian's packages"
apt_install chromium
if [[ ! -x "$CHROMIUM" ]]; then
  say "the chromium package is installed but $CHROMIUM is not there"
  exit 1
fi
say "installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
