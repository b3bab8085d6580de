#!/usr/bin/env bash
# Counts what a login costs the federation node in figures that do not move
# with the machine's load: its system calls and context switches per login,
# beside its CPU (perf's task-clock), over 8 s in the middle of a 16 s
# `relais bench` run. On a shared two-core machine one binary's bench time
# varies by ±20 % from minute to minute; these counts vary by about 1 %, so a
# change of a few per cent shows in one pair of runs (docs/benchmarks.md).
#
#   scripts/per-login-counts.sh [relais binary] [-- extra bench arguments]
#   scripts/per-login-counts.sh target/release/relais -- --durable postgres://… --ephemeral redis://…
#   scripts/per-login-counts.sh target/release/relais -- --rate 200 --concurrency 64   # the national peak
#
# Needs perf (linux-perf) and permission to read the node's tracepoints (root,
# or kernel.perf_event_paranoid ≤ -1).
set -euo pipefail

bin=target/release/relais
if [[ $# -gt 0 && $1 != -- ]]; then bin=$1; shift; fi
if [[ ${1:-} == -- ]]; then shift; fi

command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
[[ -x $bin ]] || { echo "$bin: no such binary (cargo build --release --bin relais)" >&2; exit 2; }

out=$(mktemp -d)
trap 'kill "$bench" 2>/dev/null || true; rm -rf "$out"' EXIT

"$bin" bench --duration 16 "$@" >"$out/bench.json" 2>"$out/bench.err" &
bench=$!

# The bench spawns the node as `relais demo --port N …`, a child of its own.
node=""
for _ in $(seq 100); do
    node=$(pgrep -P "$bench" -f ' demo --port' || true)
    [[ -n $node ]] && break
    sleep 0.1
done
[[ -n $node ]] || { echo "the bench spawned no node" >&2; cat "$out/bench.err" >&2; exit 1; }
port=$(tr '\0' ' ' <"/proc/$node/cmdline" | sed -E 's/.* --port ([0-9]+).*/\1/')

logins() {
    curl -sf "http://127.0.0.1:$port/metrics" |
        awk '/^relais_logins_total/ { n += $NF } END { printf "%d\n", n }'
}

sleep 4 # past the bench's warm-up
before=$(logins)
perf stat -x, -e raw_syscalls:sys_enter,context-switches,task-clock -p "$node" -o "$out/perf.csv" -- sleep 8
after=$(logins)
wait "$bench" || { echo "the bench failed" >&2; cat "$out/bench.err" >&2; exit 1; }

awk -F, -v n=$((after - before)) '
    $3 == "raw_syscalls:sys_enter" { sys = $1 }
    $3 == "context-switches"       { cs = $1 }
    $3 == "task-clock"             { cpu = $1 }
    END {
        if (n <= 0) { print "no login was counted" > "/dev/stderr"; exit 1 }
        printf "logins %d  system calls/login %.1f  context switches/login %.1f  CPU ms/login %.3f\n",
            n, sys / n, cs / n, cpu / n
    }' "$out/perf.csv"
