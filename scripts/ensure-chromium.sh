#!/usr/bin/env bash
# Installs the distribution's Chromium when /usr/bin/chromium is missing, for the headless
# check of the HTML report (test/reports/html-browser.test.ts, driven by playwright-core).
# Debian (apt-get) only; as root or with passwordless sudo. Safe to run repeatedly.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium with your package manager" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "ensure-chromium: need root (or sudo) to install Chromium with apt-get" >&2
    exit 1
  fi
fi

echo "ensure-chromium: installing Chromium from the distribution's packages"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian's chromium package (with its recommended fonts, so the screenshot has readable text).
$SUDO apt-get install -y -qq chromium >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: installed, but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") installed"
