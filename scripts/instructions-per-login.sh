#!/usr/bin/env bash
# Counts the instructions the federation node executes per login, in user
# space, under valgrind's callgrind: a count that is the same from run to run
# whatever else the machine is doing, where the bench's CPU time moves by
# ±20 % on a shared two-core machine (docs/benchmarks-log.md, thirteenth pass).
# It runs the node (`relais demo`, SQLite, in-memory ephemeral store, rate
# limits off, as `relais bench` spawns it) under callgrind beside the demo
# IdPs, warms it up, zeroes the counters, drives `relais bench --url` logins
# through it, and divides the instructions by the logins `/metrics` counted.
#
#   scripts/instructions-per-login.sh [relais binary] [logins]   # default target/release/relais, 1000
#   EVENTS=file scripts/instructions-per-login.sh …   # the event stream written to a file, as
#                                                     # an operator's node writes it (default: off,
#                                                     # as `relais bench` runs; durable events are
#                                                     # stored either way)
#
# Prints the instructions per login, then their split by library
# (scripts/callgrind-split.py; run it on the profile for the functions and
# their callers). Leaves the profile in $OUT (default /tmp/relais-callgrind)
# for `callgrind_annotate` too; the node runs ≈ 30× slower under valgrind, so
# 1000 logins take about a minute. Kernel time (system calls, the loopback
# TCP) is not counted: scripts/per-login-counts.sh counts the system calls.
set -euo pipefail

bin=${1:-target/release/relais}
logins=${2:-1000}
out=${OUT:-/tmp/relais-callgrind}
events=off
[[ ${EVENTS:-off} == file ]] && events=$out/events.jsonl

command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
[[ -x $bin ]] || { echo "$bin: no such binary (cargo build --release --bin relais)" >&2; exit 2; }
bin=$(realpath "$bin")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
idp_port=$(free_port)
node_port=$(free_port)
rm -rf "$out" && mkdir -p "$out"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

RELAIS_LOG=warn "$bin" idps --port "$idp_port" --federation "http://127.0.0.1:$node_port" >"$out/idps.log" 2>&1 &
pids+=($!)
RELAIS_LOG=warn RELAIS__LIMITS__RATE_LIMITS=false valgrind --tool=callgrind \
    --callgrind-out-file="$out/callgrind.out" \
    "$bin" demo --port "$node_port" --public-url "http://127.0.0.1:$node_port" \
    --canteen-port 0 --plus-port 0 --mail-port 0 --idps-url "http://127.0.0.1:$idp_port" \
    --events "$events" --db "$out/node.db" >"$out/node.log" 2>&1 &
node=$!
pids+=($node)

base="http://127.0.0.1:$node_port"
for _ in $(seq 120); do
    curl -sf "$base/metrics" >/dev/null && break
    sleep 1
done
counted() { curl -sf "$base/metrics" | awk '/^relais_logins_total/ { n += $NF } END { printf "%d\n", n }'; }
# The event writer's batches: valgrind slows the node, so each batch holds
# fewer logins' events than at full speed, and the writer costs more per login.
batches() { curl -sf "$base/metrics" | awk '/op="append_events"}/ && /_count/ { n += $NF } END { printf "%d\n", n }'; }

# Warm-up: the first logins fill caches, prepare statements, grow pools.
"$bin" bench --url "$base" --server-pid "$node" --logins 200 --warmup 1 --concurrency 4 >/dev/null 2>"$out/warmup.err"
callgrind_control -z "$node" >/dev/null 2>&1
before=$(counted)
batches_before=$(batches)
"$bin" bench --url "$base" --server-pid "$node" --logins "$logins" --warmup 0 --concurrency 4 >"$out/bench.txt" 2>"$out/bench.err"
after=$(counted)
written=$(( $(batches) - batches_before ))
callgrind_control -d "$node" >/dev/null 2>&1
sleep 1
profile=$(ls -t "$out"/callgrind.out.* | head -1)
total=$(callgrind_annotate --auto=no --threshold=1 "$profile" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
n=$((after - before))
(( n > 0 )) || { echo "no login was counted" >&2; exit 1; }
echo "logins $n  instructions/login $((total / n))  event batches $written  profile $profile"
echo
# The libraries holding at least 0.5 % of the instructions, per login.
python3 "$(dirname "$0")/callgrind-split.py" "$profile" --per "$n" --top 0 |
    awk '/^by library/ { on = 1; print; next } on && $1 + 0 >= 0.5'
