#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine, and does nothing
# when it is already there: Debian's Chromium (browser journey), the npm
# driver playwright-core, and a running PostgreSQL/Redis are not needed yet.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "install-test-deps: cargo is required (https://rustup.rs)" >&2
  exit 1
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "install-test-deps: installing Debian's chromium"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1; then
  echo "install-test-deps: installing nodejs and npm"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
fi
if ! python3 -c "import jwcrypto" >/dev/null 2>&1; then
  echo "install-test-deps: installing jwcrypto (independent JOSE implementation for interop tests)"
  python3 -m pip install --quiet --disable-pip-version-check jwcrypto 2>/dev/null || python3 -m pip install --quiet --break-system-packages jwcrypto
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "install-test-deps: installing playwright-core (driver only, no browser download)"
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
