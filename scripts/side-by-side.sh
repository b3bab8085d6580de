#!/usr/bin/env bash
# Relais beside FranceConnect's engine (oidc-provider + openid-client at the
# versions FranceConnect's core pins), in one run, in one topology: a fresh
# browser per login → an openid-client service → the broker → an
# oidc-provider IdP with automatic login; RS256 on both legs. Prints each
# broker's CPU per login, peak RSS and latency, and each run's share of the
# machine the host took (steal; bench/side-by-side/run.cjs).
#   scripts/side-by-side.sh                       # release binary, 2000 logins × 2 rounds
#   scripts/side-by-side.sh --relais target/debug/relais --logins 30 --rounds 1
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d bench/side-by-side/node_modules ]; then
  (cd bench/side-by-side && npm ci --ignore-scripts --no-audit --no-fund --silent)
fi
exec node bench/side-by-side/run.cjs "$@"
