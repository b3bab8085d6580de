#!/usr/bin/env bash
# Starts `relais demo` on a free port with a throw-away database and runs the
# headless-Chromium journeys and the accessibility audit against it.
# Screenshots and the axe report land in artifacts/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
# The binary as the test build makes it (same features as the tests, so
# after `cargo nextest run` nothing is compiled again).
cargo build --quiet --workspace --tests
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
canteen_port=$(free_port)
plus_port=$(free_port)
letter_port=$(free_port)
mail_port=$(free_port)
work=$(mktemp -d)
out="$PWD/artifacts/screenshots"
rm -rf "$out"
"${CARGO_TARGET_DIR:-target}/debug/relais" demo --port "$port" --canteen-port "$canteen_port" --plus-port "$plus_port" --letter-port "$letter_port" --mail-port "$mail_port" --mail-dir "$work/mail" --db "$work/demo.db" --events "$work/events.jsonl" >"$work/demo.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
ready=no
for _ in $(seq 1 100); do
  if curl -fsS "http://localhost:$port/readyz" >/dev/null 2>&1 \
    && curl -fsS "http://localhost:$plus_port/readyz" >/dev/null 2>&1; then ready=yes; break; fi
  sleep 0.1
done
if [ "$ready" != yes ]; then
  echo "relais demo did not become ready; its log:" >&2
  cat "$work/demo.log" >&2
  echo "browser: 0 passed, 1 failed"
  exit 1
fi
base="http://localhost:$port"
status=0
# 1. The login journeys (Standard, canteen with the CAF, Plus letter).
node tests/browser/journey.mjs "$base" "$out" "http://localhost:$canteen_port" "http://localhost:$letter_port" || status=1
# 2. The citizen space as a new user tries it, keyboard only.
node tests/browser/citizen.mjs "$base" "http://localhost:$canteen_port" "$out/citizen" || status=1
# 3. axe-core on every page, French and English, desktop and 320 px.
node tests/browser/audit.mjs "$base" "$out/audit" "http://localhost:$canteen_port" "http://localhost:$letter_port" || status=1
exit $status
