#!/usr/bin/env bash
# Installs, from the distribution's packages, the programs the tests drive when they are missing:
#   Chromium  (test/reports/html-browser.test.ts: the offline HTML report in a real browser)
#   nginx     (test/commands/closed-loop.test.ts: a real reverse proxy writing an access log)
# Debian (apt-get) only; as root or with passwordless sudo. Safe to run repeatedly.
set -euo pipefail

# binary path → Debian package
declare -A WANTED=([/usr/bin/chromium]=chromium [/usr/sbin/nginx]=nginx)

missing=()
for binary in "${!WANTED[@]}"; do
  if [ -x "$binary" ]; then
    echo "ensure-test-packages: $binary present"
  else
    missing+=("${WANTED[$binary]}")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-packages: missing ${missing[*]} and apt-get is not available; install them with your package manager" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-test-packages: need root (or sudo) to install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "ensure-test-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
# Only the binary is wanted: the package's own nginx service is never started here.
for binary in "${!WANTED[@]}"; do
  [ -x "$binary" ] || { echo "ensure-test-packages: $binary still missing after install" >&2; exit 1; }
done
echo "ensure-test-packages: done"
