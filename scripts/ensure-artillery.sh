#!/usr/bin/env bash
# Installs Artillery into tools/artillery/ (its own package, its own lockfile) when it is missing:
#   test/commands/export-artillery-run.test.ts runs an exported YAML with it;
#   bench/max-rate.mjs and bench/coordinated-omission.mjs use it as a contender.
# It is kept out of tidemark's own dependency tree: 2.0.21 (the last release that runs on
# Node 20) needs --legacy-peer-deps (tools/artillery/.npmrc) and brings ~600 MB. No browser is
# downloaded (its Playwright engine is not used). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/../tools/artillery"
want=$(node -p "require('./package.json').dependencies.artillery")
if [ -x node_modules/.bin/artillery ] && [ "$(node -p "require('./node_modules/artillery/package.json').version" 2>/dev/null)" = "$want" ]; then
  echo "ensure-artillery: artillery $want present"
  exit 0
fi
echo "ensure-artillery: installing artillery $want into tools/artillery (about 2 minutes)"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefer-offline --no-audit --no-fund --loglevel=error
echo "ensure-artillery: done"
