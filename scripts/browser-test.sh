#!/usr/bin/env bash
# Starts `relais demo` on ports the system picks, with a throw-away
# database, and runs in headless Chromium: the login journeys, the
# citizen-space journey and the axe-core audit of every page — in the
# State's look (the DSFR) — then the audit again in the neutral look.
# Screenshots and the axe reports land in artifacts/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
# The binary as the test build makes it (same features as the tests, so
# after `cargo nextest run` nothing is compiled again).
cargo build --quiet --workspace --tests --all-features
work=$(mktemp -d)
out="$PWD/artifacts/screenshots"
rm -rf "$out"
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

# start_demo NAME [demo options…]: sets port, canteen_port, letter_port, pid.
# The demo binds ports the system picks (--free-ports) and writes them to a
# file once every server listens (--ports-file): no port chosen here can be
# taken by another process before the demo binds it, as happened in CI when
# this script picked them. A demo that exits or is not ready in 10 s fails
# at once, with its log.
start_demo() {
  local name=$1
  shift
  local plus_port='' mail_port='' key value
  port='' canteen_port='' letter_port=''
  rm -rf "${work:?}/$name"
  mkdir -p "$work/$name"
  "${CARGO_TARGET_DIR:-target}/debug/relais" demo --free-ports --ports-file "$work/$name/ports" \
    --mail-dir "$work/$name/mail" --db "$work/$name/demo.db" --events "$work/$name/events.jsonl" "$@" \
    >"$work/$name/demo.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    if [ -f "$work/$name/ports" ]; then
      # Only the names the demo writes, each a number.
      while IFS== read -r key value; do
        case $key in
          port | canteen_port | plus_port | letter_port | mail_port)
            [[ $value =~ ^[0-9]+$ ]] && printf -v "$key" %s "$value" ;;
        esac
      done <"$work/$name/ports"
      if curl -fsS "http://localhost:$port/readyz" >/dev/null 2>&1 \
        && curl -fsS "http://localhost:$plus_port/readyz" >/dev/null 2>&1; then return 0; fi
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
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
