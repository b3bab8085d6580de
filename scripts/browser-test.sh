#!/usr/bin/env bash
# Starts `relais demo` on free ports with a throw-away database and runs, in
# headless Chromium: the login journeys, the citizen-space journey and the
# axe-core audit of every page — in the State's look (the DSFR) — then the
# audit again in the neutral look. Screenshots and the axe reports land in
# artifacts/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
# The binary as the test build makes it (same features as the tests, so
# after `cargo nextest run` nothing is compiled again).
cargo build --quiet --workspace --tests --all-features
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
out="$PWD/artifacts/screenshots"
rm -rf "$out"
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

# start_demo NAME [demo options…]: sets port, canteen_port, letter_port, pid.
# The ports are free when chosen, but another process can take one before
# the demo binds it (an outgoing connection's local port, say: a CI run
# hit it). A demo that stops on "Address already in use" is started again
# on fresh ports, at most three times in all, each retry said on stderr;
# any other failure, or a demo not ready in 10 s, fails at once.
start_demo() {
  local name=$1
  shift
  local attempt plus_port mail_port
  for attempt in 1 2 3; do
    port=$(free_port); canteen_port=$(free_port); letter_port=$(free_port)
    plus_port=$(free_port); mail_port=$(free_port)
    rm -rf "${work:?}/$name"
    mkdir -p "$work/$name"
    "${CARGO_TARGET_DIR:-target}/debug/relais" demo --port "$port" --canteen-port "$canteen_port" \
      --plus-port "$plus_port" --letter-port "$letter_port" --mail-port "$mail_port" \
      --mail-dir "$work/$name/mail" --db "$work/$name/demo.db" --events "$work/$name/events.jsonl" "$@" \
      >"$work/$name/demo.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      if curl -fsS "http://localhost:$port/readyz" >/dev/null 2>&1 \
        && curl -fsS "http://localhost:$plus_port/readyz" >/dev/null 2>&1; then return 0; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if ! kill -0 "$pid" 2>/dev/null && grep -q "Address already in use" "$work/$name/demo.log" && [ "$attempt" -lt 3 ]; then
      echo "relais demo ($name): $(grep -m1 "Address already in use" "$work/$name/demo.log"); starting it again on fresh ports" >&2
      wait "$pid" 2>/dev/null || true
      continue
    fi
    break
  done
  kill "$pid" 2>/dev/null || true
  echo "relais demo ($name) did not become ready; its log:" >&2
  cat "$work/$name/demo.log" >&2
  echo "browser: 0 passed, 1 failed"
  exit 1
}

status=0
start_demo state --dsfr-dir tests/browser/node_modules/@gouvfr/dsfr/dist
base="http://localhost:$port"
# 1. The login journeys (Standard, canteen with the CAF, Plus letter).
node tests/browser/journey.mjs "$base" "$out" "http://localhost:$canteen_port" "http://localhost:$letter_port" || status=1
# 2. The citizen space as a new user tries it, keyboard only.
node tests/browser/citizen.mjs "$base" "http://localhost:$canteen_port" "$out/citizen" || status=1
# 3. The partner space, from sign-in to a production login; the operator
#    approves with a token made by the CLI on the demo's database.
token=$(RELAIS__STORAGE__SQLITE_PATH="$work/state/demo.db" "${CARGO_TARGET_DIR:-target}/debug/relais" admin token create --name browser-test 2>/dev/null)
node tests/browser/partner.mjs "$base" "$token" "$out/partner" || status=1
# 4. axe-core on every page, French and English, desktop and 320 px.
node tests/browser/audit.mjs "$base" "$out/audit-state" "http://localhost:$canteen_port" "http://localhost:$letter_port" "$token" || status=1
kill $pid 2>/dev/null || true
wait $pid 2>/dev/null || true

# 5. The same audit in the neutral look (operators who are not the State).
start_demo neutral
token=$(RELAIS__STORAGE__SQLITE_PATH="$work/neutral/demo.db" "${CARGO_TARGET_DIR:-target}/debug/relais" admin token create --name browser-test 2>/dev/null)
node tests/browser/audit.mjs "http://localhost:$port" "$out/audit-neutral" "http://localhost:$canteen_port" "http://localhost:$letter_port" "$token" || status=1
exit $status
