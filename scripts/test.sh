#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit + integration tests (the
# real server on port 0, a third-party OIDC client, a fake IdP), then one
# journey in headless Chromium, then a short run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
# Here every backend test must run: a missing PostgreSQL or Redis fails
# instead of being reported as not run (plain `cargo test` reports it).
export RELAIS_REQUIRE_BACKENDS=1
cargo fmt --all -- --check
python3 scripts/check-import-cycles.py
# The profile reader behind the instructions' split by library (issue 13),
# on a small profile whose split is known.
python3 scripts/callgrind-split.py --self-test
cargo clippy --all-targets --all-features --quiet -- -D warnings
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --all-features --no-fail-fast
else
  cargo test --workspace --all-features --no-fail-fast
fi
scripts/browser-test.sh
# The rig's reading of the host's share of the machine (steal), on
# /proc/stat texts whose answer is known.
node --test bench/side-by-side/machine.test.cjs
# How the rig starts its servers: one that stalls before listening is
# described and started once more, one that never listens or exits fails.
node --test bench/side-by-side/servers.test.cjs
# The side-by-side rig, briefly: Relais and FranceConnect's engine each
# complete logins through an oidc-provider IdP for an openid-client service
# (RS256 on both legs); any failed login fails the suite.
scripts/side-by-side.sh --relais "${CARGO_TARGET_DIR:-target}/debug/relais" --logins 40 --warmup 5 --rounds 1
scripts/fuzz.sh 10
